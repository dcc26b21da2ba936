"""A synthetic Quanzhou (泉州) for demonstrations, loaded through the real aggregation path.

- ``city``    builds the city as data (agencies, subjects, files), deterministic per seed;
- ``sectors`` the agencies, trades, offences and licences it is made of;
- ``records`` the rows and files, including the deliberately wrong rows;
- ``load``    registers agencies and accounts and ingests every file (``load_demo``).
"""
from xinyong.demo.city import City, build_city
from xinyong.demo.load import DEMO_PASSWORD, DemoReport, load_demo, run_demo

__all__ = ["City", "DEMO_PASSWORD", "DemoReport", "build_city", "load_demo", "run_demo"]
