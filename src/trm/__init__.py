"""TRM: national referral mechanism case management and the trm/1 exchange between nodes."""

__version__ = "0.1.0"
