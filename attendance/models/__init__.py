"""The engine's models, one module per subdomain."""

from .bots import Bot, BotKind
from .groups import (
    BotInactivityAction,
    DisplayNameMode,
    DistributionStrategy,
    InactivityCloseBy,
    ServiceGroup,
    TimeUnit,
)
from .organisation import Company, Operation, validate_time_zone

__all__ = [
    "Bot",
    "BotInactivityAction",
    "BotKind",
    "Company",
    "DisplayNameMode",
    "DistributionStrategy",
    "InactivityCloseBy",
    "Operation",
    "ServiceGroup",
    "TimeUnit",
    "validate_time_zone",
]
