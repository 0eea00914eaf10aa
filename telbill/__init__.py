"""telbill: a telecom customer-bill manager for the terminal (电信计费系统客户帐单管理)."""

__version__ = "1.0.0"
