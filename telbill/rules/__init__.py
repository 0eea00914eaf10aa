"""The billing rules of SPEC §2-§4: records and their fields, the tariff, screening, bills. No I/O."""
