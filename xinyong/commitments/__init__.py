"""Credit commitments (信用承诺制, QZ art. 25): kinds, publication, fulfilment and breach, and
the "accept first" check for incomplete materials (容缺受理)."""
