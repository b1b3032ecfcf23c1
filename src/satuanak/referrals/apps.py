from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "satuanak.referrals"
    verbose_name = "Rujukan dan skrining SAPA ABK / referrals and developmental screening"
