"""National referrals (NRM): the directory of service providers and referrals of cases to them."""
