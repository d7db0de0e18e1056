"""The HSDS 3.x tables this product holds: file names, columns, types and links.

Column lists follow the Open Referral descriptor (openreferral/specification, branch 3.0,
`datapackage.json`, plus the 3.1 additions: attribute `label`, service_area
`service_at_location_id`, `service_capacity` and `unit`). Tables not listed here (funding,
programs, cost_options, accessibility, metadata, ...) are counted as ignored on import.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "3.1.0"


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"  # frictionless type: string, number, date, datetime, time
    format: str | None = None  # uuid, email, uri
    ref: str | None = None  # file stem of the table an id column points to


@dataclass(frozen=True)
class Table:
    resource: str  # HSDS resource name (singular)
    file: str  # HSDS file name (plural, except service_at_location and service_capacity)
    columns: tuple[Column, ...]
    # Links that must resolve, or the row is refused (the row means nothing without them).
    required_refs: tuple[str, ...] = ()
    # Links of which at least one must resolve, or the row is ignored (it belongs to nothing held).
    owner_refs: tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return self.file[:-4]

    def column(self, name: str) -> Column | None:
        # Called for every cell of a 20,000-service import: a dict, not a scan.
        return _COLUMNS[self.file].get(name)


def _cols(spec: str) -> tuple[Column, ...]:
    """Columns from "name name:type name:>target" shorthand (types: uuid email uri number ...)."""
    out = []
    for word in spec.split():
        name, _, kind = word.partition(":")
        if kind.startswith(">"):
            out.append(Column(name, format="uuid", ref=kind[1:]))
        elif kind in ("uuid", "email", "uri"):
            out.append(Column(name, format=kind))
        elif kind:
            out.append(Column(name, type=kind))
        else:
            out.append(Column(name))
    return tuple(out)


# Dependency order: a table only points at tables above it (attributes point anywhere).
TABLES: tuple[Table, ...] = (
    Table(
        "organization",
        "organizations.csv",
        _cols(
            "id:uuid name alternate_name description email:email website:uri tax_status tax_id "
            "year_incorporated:number legal_status logo uri:uri "
            "parent_organization_id:>organizations"
        ),
    ),
    Table("taxonomy", "taxonomies.csv", _cols("id:uuid name description uri:uri version")),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        _cols(
            "id:uuid code name description parent_id:>taxonomy_terms taxonomy language "
            "taxonomy_id:>taxonomies term_uri:uri"
        ),
    ),
    Table("unit", "units.csv", _cols("id:uuid name scheme identifier uri:uri")),
    Table(
        "location",
        "locations.csv",
        _cols(
            "id:uuid location_type url:uri organization_id:>organizations name alternate_name "
            "description transportation latitude:number longitude:number external_identifier "
            "external_identifier_type"
        ),
    ),
    Table(
        "address",
        "addresses.csv",
        _cols(
            "id:uuid location_id:>locations attention address_1 address_2 city region "
            "state_province postal_code country address_type"
        ),
        required_refs=("location_id",),
    ),
    Table(
        "service",
        "services.csv",
        _cols(
            "id:uuid organization_id:>organizations name alternate_name description url:uri "
            "email:email status interpretation_services application_process fees_description "
            "wait_time fees accreditations eligibility_description minimum_age:number "
            "maximum_age:number assured_date:date assurer_email:email licenses alert "
            "last_modified:datetime"
        ),
        required_refs=("organization_id",),
    ),
    Table(
        "service_at_location",
        "service_at_location.csv",
        _cols("id:uuid service_id:>services location_id:>locations description"),
        required_refs=("service_id", "location_id"),
    ),
    Table(
        "contact",
        "contacts.csv",
        _cols(
            "id:uuid organization_id:>organizations service_id:>services "
            "service_at_location_id:>service_at_location location_id:>locations name title "
            "department email:email"
        ),
        owner_refs=("organization_id", "service_id", "service_at_location_id", "location_id"),
    ),
    Table(
        "phone",
        "phones.csv",
        _cols(
            "id:uuid location_id:>locations service_id:>services organization_id:>organizations "
            "contact_id:>contacts service_at_location_id:>service_at_location number "
            "extension:number type description"
        ),
        owner_refs=(
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
        ),
    ),
    Table(
        "language",
        "languages.csv",
        _cols(
            "id:uuid service_id:>services location_id:>locations phone_id:>phones name code note"
        ),
        owner_refs=("service_id", "location_id", "phone_id"),
    ),
    Table(
        "schedule",
        "schedules.csv",
        _cols(
            "id:uuid service_id:>services location_id:>locations "
            "service_at_location_id:>service_at_location valid_from:date valid_to:date "
            "dtstart:date timezone:number until:date count:number wkst freq interval:number byday "
            "byweekno bymonthday byyearday description opens_at:time closes_at:time "
            "schedule_link:uri attending_type notes"
        ),
        owner_refs=("service_id", "location_id", "service_at_location_id"),
    ),
    Table(
        "service_area",
        "service_areas.csv",
        _cols(
            "id:uuid service_id:>services service_at_location_id:>service_at_location name "
            "description extent extent_type uri"
        ),
        owner_refs=("service_id", "service_at_location_id"),
    ),
    Table(
        "required_document",
        "required_documents.csv",
        _cols("id:uuid service_id:>services document uri:uri"),
        owner_refs=("service_id",),
    ),
    Table(
        "service_capacity",
        "service_capacity.csv",
        _cols(
            "id:uuid service_id:>services unit_id:>units available:number maximum:number "
            "description updated:datetime"
        ),
        required_refs=("service_id",),
    ),
    Table(
        "attribute",
        "attributes.csv",
        _cols(
            "id:uuid link_id:uuid taxonomy_term_id:>taxonomy_terms link_type link_entity "
            "value label"
        ),
        required_refs=("taxonomy_term_id",),
    ),
)
BY_STEM = {t.stem: t for t in TABLES}
_COLUMNS: dict[str, dict[str, Column]] = {t.file: {c.name: c for c in t.columns} for t in TABLES}
BY_RESOURCE = {t.resource: t for t in TABLES}
# Official file names of tables this product does not model: reported as ignored, by name.
UNMODELLED = (
    "accessibility",
    "cost_options",
    "funding",
    "meta_table_descriptions",
    "metadata",
    "organization_identifiers",
    "programs",
    "url",
)
REQUIRED_FILES = ("organizations", "services")
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
ADDRESS_TYPES = ("physical", "postal", "virtual")
# Columns that hold long free text; every other column gets the short limit.
LONG_TEXT = frozenset(
    {
        "description",
        "eligibility_description",
        "application_process",
        "fees_description",
        "interpretation_services",
        "accreditations",
        "alert",
        "notes",
        "transportation",
        "extent",
        "value",
        "document",
        "note",
    }
)
MAX_SHORT = 1_000
MAX_LONG = 10_000
# The product's own earlier exports (and some tools) use singular file names.
LEGACY_NAMES = {t.resource: t.stem for t in TABLES if t.resource != t.stem}
