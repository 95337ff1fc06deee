"""The engine's models, one module per subdomain."""

from .attendances import (
    OPEN_STATUSES,
    AgentPresence,
    Attendance,
    CloseReason,
    Delivery,
    Direction,
    Event,
    EventType,
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
    OutOfHoursAction,
    ServiceGroup,
    TimeUnit,
)
from .pauses import DEFAULT_PAUSE_REASONS, PauseReason

__all__ = [
    "DEFAULT_PAUSE_REASONS",
    "PauseReason",
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
    "EventType",
    "GroupDistributionState",
    "Kind",
    "Message",
    "PresenceState",
    "Sender",
    "Status",
    "hash_token",
    "Bot",
    "BotInactivityAction",
    "BotKind",
    "DisplayNameMode",
    "DistributionStrategy",
    "InactivityCloseBy",
    "OutOfHoursAction",
    "ServiceGroup",
    "TimeUnit",
]
