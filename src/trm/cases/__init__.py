"""Cases: persons, screening, identification and support in the national referral mechanism.

The indicator sets used for screening are data files in ``indicators/``; ``scoring`` reads and
applies them without Django.
"""
