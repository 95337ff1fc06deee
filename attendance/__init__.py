"""The engine: operations, bots, groups, channels, attendances, distribution, timers.

How an attendance travels, and where each rule lives (modules only call downward):

    engine_api · tasks · admin* · management/      entry points: fetch, check, call one use case
    inbound            a customer's message: survey answer, bot, reopen, or a new attendance
    agent_actions      answer, transfer, close, active message (agents and supervisors)
    distribution       queued → in progress, under capacity (strategies + eligible agents)
    timers             the sweep: due timers fire their effects (rules in timer_rules)
    presence           online / paused / offline; going offline requeues or closes
    queue_positions    "Você é o 3º da fila"
    botflow            the service bot's menu: greet, sub-menus, transfer, close
    transitions        THE ONLY WRITER of status changes and their consequences (events,
                       messages, reporting facts, freed capacity, live notices), applied at
                       once (a request) or as one batch (distribution, timer sweep)
    surveyflow         the survey after closing: questions and answers
    strategies         "Gestão de fila": one class per distribution strategy
    timer_rules        when each timer is due (pure)
    messaging · texts  building and delivering messages; every customer-facing text
    selectors          reads: the one eligible-agents query, loads, default group
    engine_cache       the per-process configuration cache of the inbound hot path
    models · errors    rows, legal transitions (models.TRANSITIONS), domain errors

Work after commit (distribution requests, queue positions, deliveries, live events) is
queued only by ``core.followups``. Configuration writes (bots, groups, channels) are in
``services``; the menu tree's rules in ``menus``.
"""
