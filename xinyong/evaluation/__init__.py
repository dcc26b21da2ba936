"""Public credit evaluation (公共信用综合评价, QZ art. 16), sector evaluations and tiered
supervision (QZ art. 17), and the government-integrity dimension of public bodies (QZ art. 26-27)."""
