"""The typed scenario: frozen dataclasses whose fields are the project's parameters.

Each field carries its label, range and help (`model.params.param`); the loader (`model.scenario`)
turns TOML into these objects, and the CLI, the app and the sweeps read the same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.concession import CONCESSION
from model.mechanisms import MECHANISMS
from model.params import param
from model.policies import POLICIES
from model.records import COST_PRICE_USD, LIST_PRICE_USD, Answer
from model.strategies import ORDERING

# The scenario's choices are the registries' names: registering a mechanism, strategy or policy
# is all it takes to make it a valid choice here, in the app's controls and in sweep specs.
MECHANISM_CHOICES = tuple(MECHANISMS)
ORDERING_CHOICES = tuple(ORDERING)
CONCESSION_CHOICES = tuple(CONCESSION)
POLICY_CHOICES = tuple(POLICIES)
ANSWER_CHOICES = (*(str(a) for a in Answer), "auto")


@dataclass(frozen=True, slots=True)
class Shock:
    """A temporary cut in production (e.g. a CoWoS packaging outage)."""

    start: str = param(
        label="Shock start date",
        help="YYYY-MM-DD, within the run (from start_date, before start_date + weeks)",
    )
    weeks: int = param(
        4,
        label="Shock length",
        help="how many weeks output stays cut",
        min=1,
        max=104,
        unit="weeks",
    )
    factor: float = param(
        0.5,
        label="Output during the shock",
        help="the share of planned output still made during the shock (0: none, 1: all)",
        min=0.0,
        max=1.0,
    )
    label: str = param("supply shock", label="What happened")


@dataclass(frozen=True, slots=True)
class Supply:
    """Nvidia's weekly output available to the modelled buyers."""

    schedule: tuple[tuple[str, int], ...] = param(
        (),
        label="Weekly output [[date, units], ...]",
        help=(
            "linear between dated points; when empty, output ramps from initial_weekly "
            "by growth_weekly; times scale, and the output over the whole run must stay within "
            "the mechanisms' 2**31 - 1 units"
        ),
        min=0,
        max=50_000_000,
    )
    scale: float = param(
        1.0,
        label="Supply multiplier (tighter < 1 < looser)",
        help="every week's output times this: below 1 the shortage deepens, 0 makes nothing",
        min=0.0,
        max=10.0,
    )
    initial_weekly: int = param(
        12_000, label="Weekly output at start", min=0, max=10_000_000, unit="units"
    )
    growth_weekly: float = param(0.02, label="Supply growth per week", min=-0.2, max=0.2)
    max_weekly: int = param(
        40_000, label="Weekly output ceiling", min=0, max=50_000_000, unit="units"
    )
    transit_weeks: int = param(4, label="Shipping delay", min=0, max=52, unit="weeks")
    shocks: tuple[Shock, ...] = param((), label="Supply shocks", max_items=1_000)
    max_stock_weeks: float = param(
        3.0,
        label="Unsold stock before output is cut",
        help=(
            "when unsold stock passes this many weeks of planned output, the supplier cuts "
            "output to what its order book takes (0: never cut)"
        ),
        min=0.0,
        max=52.0,
        unit="weeks",
    )


@dataclass(frozen=True, slots=True)
class Market:
    """How supply is allocated and priced, and how buyers order."""

    mechanism: str = param(
        "proportional",
        label="Allocation mechanism",
        help=(
            "how Nvidia shares out a short week: proportional to orders; uniform (equal shares "
            "up to each order, Sprumont 1991); linear (orders minus an equal cut); turn_and_earn "
            "(by past purchases); priority (strategic tiers); auction (highest bids first); "
            "negotiation (alternating offers over price)"
        ),
        choices=MECHANISM_CHOICES,
    )
    ordering: str = param(
        "scenario",
        label="Buyers' ordering strategy",
        help="'scenario' keeps each firm's own strategy; a name applies it to every buyer",
        choices=("scenario", *ORDERING_CHOICES),
    )
    list_price_usd: float = param(LIST_PRICE_USD, label="List price", min=0.0, max=1e6, unit="USD")
    cost_price_usd: float = param(
        COST_PRICE_USD, label="Supplier's floor price", min=0.0, max=1e6, unit="USD"
    )
    scarcity_markup: float = param(
        0.5, label="Price markup per unit of excess demand", min=0.0, max=10.0
    )
    max_markup: float = param(0.5, label="Largest markup over list price", min=0.0, max=10.0)
    horizon_weeks: int = param(
        26,
        label="Longest booking horizon",
        min=0,
        max=104,
        unit="weeks",
        help="buyers book ahead by the quoted lead time, up to this many weeks",
    )
    negotiation_rounds: int = param(20, label="Negotiation rounds", min=1, max=1000)
    seller_concession: str = param(
        "boulware", label="Supplier's concession", choices=CONCESSION_CHOICES
    )
    readiness_cap: bool = param(False, label="Never allocate above what a buyer can deploy")


@dataclass(frozen=True, slots=True)
class Supplier:
    """The supplier's answers to redirects and how fast it forgives."""

    redirect_answer: str = param(
        "auto",
        label="Answer to redirect requests",
        choices=ANSWER_CHOICES,
        help="auto: accept while the donor trusts are high, swap when middling, refuse when low",
    )
    swap_delay_weeks: int = param(
        8, label="Weeks before a swap is repaid", min=0, max=104, unit="weeks"
    )
    swap_above_trust: float = param(0.5, label="Auto: lowest trust for a swap", min=0.0, max=1.0)
    accept_above_trust: float = param(
        0.8, label="Auto: lowest trust for a plain accept", min=0.0, max=1.0
    )
    trust_recovery: float = param(0.02, label="Trust recovered per week", min=0.0, max=1.0)
    trust_discrepancy: float = param(
        0.02, label="Trust lost per unit of statement gap", min=0.0, max=10.0
    )
    trust_cancel: float = param(
        0.5, label="Trust lost per share of orders cancelled", min=0.0, max=10.0
    )
    trust_redirect: float = param(
        0.01, label="Trust lost per 1,000 units redirected", min=0.0, max=10.0
    )


@dataclass(frozen=True, slots=True)
class Friction:
    """Weights of the friction index, in points per 1,000 units (refusal: per request)."""

    redirect: float = param(1.0, label="Per 1,000 units redirected", min=0.0, max=1e3)
    reschedule: float = param(0.5, label="Per 1,000 units rescheduled", min=0.0, max=1e3)
    cancel: float = param(0.8, label="Per 1,000 units cancelled", min=0.0, max=1e3)
    discrepancy: float = param(
        0.05, label="Per 1,000 units of statement gap, each week", min=0.0, max=1e3
    )
    refusal: float = param(2.0, label="Per refused request", min=0.0, max=1e3)
    discrepancy_tolerance: float = param(
        0.15, label="Tolerated statement gap (share)", min=0.0, max=1.0
    )


SOURCE_CHOICES = ("allocated", "in_transit", "shipped")
MAX_TARGET = 1_000_000_000  # largest target installed base of one firm (units)


@dataclass(frozen=True, slots=True)
class OwnerAction:
    """A dated request of the owner's: move units between two of its firms (December 2023)."""

    date: str = param(label="Date", help="YYYY-MM-DD: the request is made in the week holding it")
    from_firm: str = param(label="From firm")
    to_firm: str = param(label="To firm")
    units: int = param(label="Units", min=1, max=2**31 - 1, unit="units")
    source: str = param(
        "shipped",
        label="Which units",
        help=(
            "allocated: this week's allocation; in_transit: units on the road; shipped: units "
            "already sent to the firm (on the road or delivered and waiting), then this week's"
        ),
        choices=SOURCE_CHOICES,
    )
    weeks: int = param(
        1,
        label="Weeks to carry it out",
        help="what cannot move in the first week moves from the donor's next shipments",
        min=1,
        max=52,
        unit="weeks",
    )
    swap: tuple[tuple[str, int], ...] = param(
        (),
        label="Units going back [[date, units], ...]",
        help="on a swap: the receiver's later units go back to the giver from each date",
        min=1,
        max=2**31 - 1,
    )
    note: str = param("", label="What happened", help="shown in the event log")


@dataclass(frozen=True, slots=True)
class Owner:
    """A controller of several firms (Musk: Tesla, X, xAI) and its reprioritization policy."""

    name: str = param("Musk", label="Owner")
    firms: tuple[str, ...] = param((), label="Firms the owner controls")
    policy: str = param(
        "none",
        label="Owner's policy",
        help=(
            "how the owner moves chips among his firms: none; priority (to the firm he puts "
            "first); weights (towards set shares); readiness (away from a firm that cannot "
            "switch them on); value (to the firm that values them most)"
        ),
        choices=POLICY_CHOICES,
    )
    priority: tuple[str, ...] = param(
        (),
        label="Priority among the owner's firms (first = most)",
        help="the order the priority policy serves the owner's firms in (empty: as listed)",
    )
    weights: tuple[float, ...] = param(
        (),
        label="Weights among the owner's firms",
        help="relative shares, one per owner firm; the weights policy needs one above 0",
        min=0.0,
        max=1e6,
    )
    max_share: float = param(
        0.5, label="Largest share of a firm's weekly units moved", min=0.0, max=1.0
    )
    in_transit: bool = param(True, label="May redirect units already shipped")
    review_weeks: int = param(
        4, label="Weeks between the owner's reviews", min=1, max=52, unit="weeks"
    )
    min_units: int = param(
        1_000, label="Smallest redirect worth asking for", min=0, max=1_000_000_000, unit="units"
    )
    start: str = param(
        "",
        label="First date of intervention (empty: from the start)",
        help="YYYY-MM-DD, before the run's end and not after `end`",
    )
    end: str = param(
        "",
        label="Last date of intervention (empty: to the end)",
        help="YYYY-MM-DD, on or after start_date",
    )
    to_idle: bool = param(
        False,
        label="Policy may move units to a firm that cannot switch them on",
        help="off: a policy never adds idle units; scripted actions are carried out regardless",
    )
    actions: tuple[OwnerAction, ...] = param((), label="Dated owner actions", max_items=1_000)


@dataclass(frozen=True, slots=True)
class Firm:
    """A buyer: its target installed base, data centre, budget, value and strategies."""

    name: str = param(label="Firm")
    tier: int = param(1, label="Strategic tier (0 = most favoured)", min=0, max=9)
    installed: int = param(
        0,
        label="Installed at start",
        help="at most `slots` (every installed GPU sits in a powered slot; more is refused)",
        min=0,
        max=100_000_000,
        unit="units",
    )
    targets: tuple[tuple[str, int], ...] = param(
        (),
        label="Target installed base [[date, units], ...]",
        help=(
            "linear from `installed` at the start through the dated points, then as "
            "`after_targets` says; dates on or after start_date (earlier ones are refused)"
        ),
        min=0,
        max=MAX_TARGET,
    )
    slots: int = param(1_000_000, label="Data-centre slots at start", min=0, max=100_000_000)
    expansions: tuple[tuple[str, int], ...] = param(
        (),
        label="Slots added [[date, units], ...]",
        help=(
            "powered from the date plus ready_shift_weeks on; dates on or after start_date "
            "(slots built before the start belong in `slots`)"
        ),
        min=0,
        max=100_000_000,
    )
    ready_shift_weeks: int = param(
        0,
        label="Data-centre ready date shift",
        help="moves every data-centre expansion this many weeks later (negative: earlier)",
        min=-104,
        max=104,
        unit="weeks",
    )
    budget_usd: float = param(1e12, label="Budget per year", min=0.0, max=1e15, unit="USD")
    value_usd: float = param(
        1_000.0, label="Value per deployed GPU-week", min=0.0, max=1e7, unit="USD"
    )
    max_price_usd: float = param(45_000.0, label="Highest unit price", min=0.0, max=1e7, unit="USD")
    patience: float = param(
        0.98,
        label="Patience (weekly discount factor)",
        help="in (0, 1]: a discount factor of 0 would end every negotiation before it starts",
        min=0.001,
        max=1.0,
    )
    ordering: str = param("truthful", label="Ordering strategy", choices=ORDERING_CHOICES)
    inflation: float = param(
        1.5, label="Inflation factor (fixed) or ceiling (adaptive)", min=1.0, max=20.0
    )
    concession: str = param("linear", label="Concession strategy", choices=CONCESSION_CHOICES)
    statement: int = param(
        0, label="Publicly stated installed base (0: none)", min=0, max=1_000_000_000
    )
    statement_date: str = param(
        "", label="Date the statement refers to", help="YYYY-MM-DD, on or after start_date"
    )
    orders_from: str = param(
        "",
        label="First date the firm books orders",
        help="YYYY-MM-DD, e.g. a firm founded or funded during the run (empty: from the start)",
    )
    statement_made: str = param(
        "",
        label="Date the statement was made",
        help="YYYY-MM-DD; a gap with bookings is charged from then on (empty: from the start)",
    )
    after_targets: str = param(
        "trend",
        label="Target after its last date",
        help="trend: keeps growing as over its last dated stretch; hold: stays at the last value",
        choices=("trend", "hold"),
    )
    color: str = param(
        "", label="Display colour (#rrggbb)", help="#rrggbb, or empty for the palette"
    )
    source: str = param("", label="Where the numbers come from")


@dataclass(frozen=True, slots=True)
class LongTail:
    """A generated long tail of smaller buyers (drawn from the model's generator)."""

    count: int = param(
        0,
        label="Number of small buyers",
        help="buyers x (weeks + horizon_weeks + 1) must stay within 20,000,000 (memory)",
        min=0,
        max=100_000,
    )
    need_min: int = param(200, label="Smallest two-year need", min=0, max=100_000_000, unit="units")
    need_max: int = param(
        5_000,
        label="Largest two-year need",
        help="count x need_max, with the firms' targets, must stay within 2**31 - 1 units",
        min=0,
        max=100_000_000,
        unit="units",
    )
    ordering: str = param("adaptive", label="Their ordering strategy", choices=ORDERING_CHOICES)
    inflation: float = param(2.0, label="Their inflation factor or ceiling", min=1.0, max=20.0)
    tier: int = param(2, label="Their tier", min=0, max=9)
    value_usd: float = param(600.0, label="Their value per GPU-week", min=0.0, max=1e7, unit="USD")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A complete, validated set of inputs for one run."""

    name: str = param("custom", label="Scenario")
    description: str = param("", label="Description")
    start_date: str = param("2023-10-02", label="First week (YYYY-MM-DD)")
    weeks: int = param(104, label="Weeks to simulate", min=1, max=1040)
    seed: int = param(
        42,
        label="Seed",
        help="the random generator's seed: the same seed and settings give the same run",
        min=0,
        max=2**63 - 1,
    )
    supply: Supply = param(Supply(), label="Supply")
    market: Market = param(Market(), label="Market")
    supplier: Supplier = param(Supplier(), label="Supplier")
    friction: Friction = param(Friction(), label="Friction")
    owner: Owner = param(Owner(), label="Owner")
    firms: tuple[Firm, ...] = param(
        (),
        label="Firms",
        help="named buyers, at most 20,000 (and firms x weeks at most 2,100,000); "
        "crowds belong in long_tail",
        max_items=20_000,
    )
    long_tail: LongTail = param(LongTail(), label="Long tail")

    def firm(self, name: str) -> Firm:
        for f in self.firms:
            if f.name == name:
                return f
        raise KeyError(name)
