"""The register of credit service agencies (信用服务机构, QZ art. 40-42; FZ art. 26-27)."""
