"""The public portal's front door (issue #13 point 2): the home page with the services around
the search box, the latest 双公示 records and bulletins, and the service guides (信用修复,
信用报告). It composes other domains' public outputs; it decides nothing itself."""
