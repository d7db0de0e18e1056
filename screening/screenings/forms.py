"""WTForms built from instrument definitions: one form per page of questions."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from screening.core.instruments import DECLINED
from screening.core.offer import instrument_order
from screening.core.offer import offerable
from screening.platform import codes
from screening.platform.instruments import get_registry
from screening.platform.webforms import MultiCheckboxField
from screening.platform.webforms import choices
from screening.platform.wording import text as t

SEP = "__"


def field_name(instrument_id: str, item_id: str) -> str:
    """The form field name of an item (instrument and item ids contain no `__`)."""
    return f"{instrument_id}{SEP}{item_id}"


# Built once per page and language for the app's life (its instruments are loaded with it):
# building the class was a tenth of a page save.
_FORM_CLASSES = "screening.page_form_classes"


def _page_form_class(instrument, items, lang: str) -> type[Form]:
    kept = current_app.extensions.setdefault(_FORM_CLASSES, {})
    key = (instrument.id, tuple(item.id for item in items), lang)
    if key not in kept:
        kept[key] = _new_page_form_class(instrument, items, lang)
    return kept[key]


def _new_page_form_class(instrument, items, lang: str) -> type[Form]:
    class PageForm(Form):
        pass

    declined_label = t("declined", lang)
    for item in items:
        label = item.text.get(lang) or item.text["en"]
        hint = (item.hint or {}).get(lang) if item.hint else None
        name = field_name(instrument.id, item.id)
        if item.type == "single":
            options = [(str(o.code), o.text.get(lang) or o.text["en"]) for o in item.options]
            field = RadioField(
                label,
                choices=choices(options + [(DECLINED, declined_label)]),
                validate_choice=False,
                validators=[Optional()],
                description=hint or "",
            )
        elif item.type == "multi":
            options = [(str(o.code), o.text.get(lang) or o.text["en"]) for o in item.options]
            field = MultiCheckboxField(
                label,
                choices=choices(options + [(DECLINED, declined_label)]),
                validate_choice=False,
                description=hint or "",
            )
        elif item.type == "number":
            field = TextNumberField(label, description=hint or t("number_hint", lang))
        else:
            field = TextAreaField(
                label, validators=[Optional(), Length(max=2000)], description=hint or ""
            )
        setattr(PageForm, name, field)
    return PageForm


def build_page_form(instrument, items, lang: str, formdata=None, stored: dict | None = None):
    """A form for the given items in `lang`, pre-filled from stored answers."""
    stored = stored or {}
    form = _page_form_class(instrument, items, lang)(formdata=formdata)
    if formdata is None:
        for item in items:
            value = stored.get(item.id)
            if value is None:
                continue
            field = form[field_name(instrument.id, item.id)]
            if value == DECLINED:
                field.data = [DECLINED] if item.type == "multi" else DECLINED
            elif item.type == "multi":
                field.data = [str(v) for v in value]
            else:
                field.data = str(value)
    return form


class TextNumberField(TextAreaField):
    """A whole-number answer typed as text, so `declined` and blanks stay distinct."""

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [Optional()], **kwargs)
        self.render_kw = {"inputmode": "numeric", "autocomplete": "off"}


def read_answers(form, instrument, items, lang: str) -> tuple[dict, bool]:
    """Answers from a submitted page: {item_id: value | DECLINED | None}; False if any error."""
    answers: dict = {}
    ok = True
    for item in items:
        field = form[field_name(instrument.id, item.id)]
        raw = field.data
        if item.type == "single":
            if raw in (None, "", "None"):
                answers[item.id] = None
            elif raw == DECLINED:
                answers[item.id] = DECLINED
            else:
                option = item.option(raw)
                if option is None:
                    field.errors = [t("choose_valid", lang)]
                    ok = False
                else:
                    answers[item.id] = option.code
        elif item.type == "multi":
            chosen = [v for v in (raw or []) if v]
            if DECLINED in chosen and len(chosen) > 1:
                field.errors = [t("declined_exclusive", lang)]
                ok = False
            elif chosen == [DECLINED]:
                answers[item.id] = DECLINED
            elif not chosen:
                answers[item.id] = None
            else:
                options = [item.option(v) for v in chosen]
                if any(o is None for o in options):
                    field.errors = [t("choose_valid", lang)]
                    ok = False
                else:
                    answers[item.id] = [o.code for o in options]
        elif item.type == "number":
            text_value = (raw or "").strip()
            low = item.minimum if item.minimum is not None else 0
            high = item.maximum if item.maximum is not None else 999
            if not text_value:
                answers[item.id] = None
            elif text_value.lower() in (DECLINED, "prefer not to answer"):
                answers[item.id] = DECLINED
            elif text_value.isdigit() and low <= int(text_value) <= high:
                answers[item.id] = int(text_value)
            else:
                field.errors = [t("number_range", lang, min=low, max=high)]
                ok = False
        else:
            value = (raw or "").strip()
            answers[item.id] = value or None
            if len(value) > 2000:
                ok = False
    return answers, ok


class StartForm(FlaskForm):
    caregiver_id = HiddenField(validators=[DataRequired()])
    request_token = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])
    timepoint = SelectField(_l("When"), choices=choices(codes.TIMEPOINTS))
    mode = SelectField(_l("How"), choices=choices(codes.MODES))
    language = SelectField(
        _l("Language of the questions"), choices=choices({"en": "English", "es": "Español"})
    )
    instruments = MultiCheckboxField(_l("Questionnaires"), validate_choice=False)
    decline_reason = SelectField(
        _l("If the family declines today: reason"), choices=choices(codes.DECLINE_REASONS)
    )
    action = HiddenField()


class DeclineForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=choices(codes.DECLINE_REASONS))


class AckForm(FlaskForm):
    note = TextAreaField(
        _l("Follow-up done (who was told, what was done, plan)"),
        validators=[
            DataRequired(_l("Describe the follow-up before acknowledging.")),
            Length(min=5, max=2000),
        ],
    )


class ActionForm(FlaskForm):
    pass


class UnlockForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def instrument_choices() -> list:
    """Instruments that may be offered (never a placeholder), in the site's order."""
    registry = get_registry()
    offered = instrument_order(
        registry, offerable(registry), current_app.config.get("INSTRUMENT_ORDER")
    )
    return choices((i, registry.get(i).title.get("en", i)) for i in offered)


def default_instruments(family: dict, caregiver: dict, screenings: list[dict]) -> list[str]:
    """Family-level needs once per family; mental health for each parent."""
    cfg = current_app.config
    chosen = []
    family_level = tuple(cfg["FAMILY_INSTRUMENTS"])
    has_family_screen = any(
        set(family_level) & set(s["instruments"]) and s["status"] != "declined" for s in screenings
    )
    if not has_family_screen:
        chosen.extend(family_level)
    if caregiver["respondent"] in codes.PARENTS:
        chosen.extend(cfg["MENTAL_HEALTH_INSTRUMENTS"])
    usable = set(offerable(get_registry()))
    return [i for i in chosen if i in usable]


class CorrectionForm(FlaskForm):
    """One answer corrected on the results page; the new value posts as `value`."""

    instrument = HiddenField(validators=[DataRequired(), Regexp(r"^[a-z0-9_]{1,40}$")])
    item = HiddenField(validators=[DataRequired(), Regexp(r"^[a-z0-9_]{1,40}$")])
    version = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])
    reason = TextAreaField(
        _l("Why it changes (required)"),
        validators=[
            DataRequired(_l("Give the reason for the correction.")),
            Length(min=5, max=500, message=_l("Give the reason in 5 to 500 characters.")),
        ],
    )
