from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "market.exchange"
    label = "exchange"
    verbose_name = "Mock spot market (exchange side)"
