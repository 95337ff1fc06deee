"""The engine's models, one module per subdomain."""

from .attendances import (
    MESSAGE_KINDS,
    OPEN_STATUSES,
    AgentPresence,
    Attendance,
    CloseReason,
    Delivery,
    Direction,
    Event,
    GroupDistributionState,
    Kind,
    Message,
    PresenceState,
    Sender,
    Status,
)
from .bots import Bot, BotKind
from .channels import CREDENTIAL_FIELDS, CREDENTIALS, PROVIDER_NETWORKS, Channel, Provider, hash_token
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
    "OPEN_STATUSES",
    "AgentPresence",
    "Attendance",
    "CREDENTIALS",
    "CREDENTIAL_FIELDS",
    "PROVIDER_NETWORKS",
    "Channel",
    "Provider",
    "CloseReason",
    "Delivery",
    "Direction",
    "Event",
    "GroupDistributionState",
    "Kind",
    "MESSAGE_KINDS",
    "Message",
    "PresenceState",
    "Sender",
    "Status",
    "hash_token",
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
