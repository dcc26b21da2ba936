"""Market credit information (市场信用信息, QZ art. 12, 34 para. 2; FZ art. 8, 10): providers,
the subjects' written authorisations, and the labelled section apart from public information."""
