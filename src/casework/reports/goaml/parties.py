"""The parties of a goAML transaction: the reporting entity's client (a person, or a
business with its related people) and the counterparty.

Where the schema leaves a choice:

- The customer is the reporting entity's client: ``t_from_my_client`` when money left
  them (direction "out"), ``t_to_my_client`` when it came in, as ``t_person_my_client``
  or ``t_entity_my_client`` (with the related people of ``parties`` as ``director_id``).
  Not as an account: an account of one's own client must carry its opening date and
  status, which the draft does not hold and a report must not invent. The account the
  money moved through is named in the funds comment instead.
- The counterparty is ``t_to`` / ``t_from``: a ``t_account`` when its account number is
  known (its bank as ``swift`` when the draft gives a BIC, else by name), otherwise a
  ``t_entity`` by name. The draft holds a counterparty as one name of unknown kind, and
  ``t_person`` would need it split into first and last names, which cannot be done
  reliably.
"""

from __future__ import annotations

import re

from lxml import etree

from casework.reports.content import Business, Person, ReportTransaction
from casework.reports.goaml.codes import _ENTITY_ROLES, REQUIRED, UNKNOWN
from casework.reports.goaml.persons import _of_person, _Persons
from casework.reports.goaml.sources import _At

_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")


class _Parties(_Persons):
    """Writes the client and the counterparty of a transaction."""

    def _counterparty(
        self, side: etree._Element, prefix: str, t: ReportTransaction, at: _At
    ) -> None:
        if t.counterparty_account is None:
            entity = self.w.add(side, f"{prefix}_entity")
            self.w.source(entity, at.field("counterparty_name"))
            self._text(
                entity,
                "name",
                t.counterparty_name,
                at,
                "counterparty_name",
                "counterparty name",
                limit=255,
                name=True,
            )
            return
        account = self.w.add(side, f"{prefix}_account")
        self.w.source(account, at.field("counterparty_account"))
        bank = t.counterparty_bank
        bank_source = at.field("counterparty_bank")
        if bank is not None and _BIC.fullmatch(bank):
            self._code(account, "swift", bank, bank_source)
        else:
            self._text(
                account,
                "institution_name",
                bank,
                at,
                "counterparty_bank",
                "counterparty bank",
                required=False,
                limit=255,
            )
            self._code(account, "institution_code", UNKNOWN, bank_source)
        self._text(
            account,
            "account",
            t.counterparty_account,
            at,
            "counterparty_account",
            "counterparty account",
            limit=255,
        )
        self._text(
            account,
            "account_name",
            t.counterparty_name,
            at,
            "counterparty_name",
            "counterparty name",
            limit=255,
            name=True,
        )

    def _client(self, side: etree._Element, prefix: str) -> None:
        subject = self.content.subject
        if subject is None:
            message = "The report has no subject: the customer it is about."
            self._placeholder(side, f"{prefix}_person", message, "subject", REQUIRED)
            return
        if subject.kind == "business":
            self._business(side, f"{prefix}_entity", subject.business or Business())
            return
        person = _of_person(subject.person or Person(), _At("subject.person", "the subject"))
        element = self.w.add(side, f"{prefix}_person")
        self.w.source(element, person.at.source)
        self._someone(element, person, "client")

    def _client_country(self, side: etree._Element, tag: str) -> None:
        """Where the client's side of the money is: the reporting entity's country, else
        the client's own."""
        location = self.settings.location
        subject = self.content.subject
        at, attr = _At("settings.goaml.location"), "country"
        country = location.country if location is not None else None
        if country is None and subject is not None and subject.person is not None:
            at, attr, country = _At("subject.person"), "residence", subject.person.residence
        if country is None and subject is not None and subject.business is not None:
            at, attr = _At("subject.business"), "incorporation_country"
            country = subject.business.incorporation_country
        self._country(side, tag, country, at, attr, "country", unknown=True)

    def _business(self, side: etree._Element, tag: str, business: Business) -> None:
        at = _At("subject.business", "the subject")
        element = self.w.add(side, tag)
        self.w.source(element, at.source)
        self._text(
            element, "name", business.name, at, "name", "business name", limit=255, name=True
        )
        self._text(
            element,
            "commercial_name",
            business.commercial_name,
            at,
            "commercial_name",
            "commercial name",
            required=False,
            limit=255,
            name=True,
        )
        self._code(element, "incorporation_legal_form", UNKNOWN, at.field("legal_form"))
        self._text(
            element,
            "incorporation_number",
            business.registration_number,
            at,
            "registration_number",
            "registration number",
            limit=50,
        )
        self._text(
            element,
            "business",
            business.business_activity or "",
            at,
            "business_activity",
            "business activity",
            required=False,
            limit=255,
        )
        if business.phone is not None:
            self._phones(element, business.phone, at.field("phone"), "BU")
        addresses = self.w.add(element, "addresses")
        self.w.source(addresses, at.field("addresses"))
        for k, address in enumerate(business.addresses):
            where = at.child(f"addresses[{k}]", f"address {k + 1} of the subject")
            self._address(addresses, "address", address, where, "BU")
        self._email(element, business.email, at, "email")
        self._text(element, "url", business.url, at, "url", "website", required=False, limit=255)
        # Casework records no state of incorporation; the element may be empty.
        self.w.add(element, "incorporation_state", "")
        self._country(
            element,
            "incorporation_country_code",
            business.incorporation_country,
            at,
            "incorporation_country",
            "country of incorporation",
        )
        self._related(element)
        self._date(
            element,
            "incorporation_date",
            business.incorporation_date,
            at,
            "incorporation_date",
            "incorporation date",
        )
        self._text(
            element,
            "tax_number",
            business.tax_number,
            at,
            "tax_number",
            "tax number",
            required=False,
            limit=100,
        )
        self._code(element, "tax_reg_number", UNKNOWN, None)
        if business.legal_form is not None:
            self.w.add(
                element,
                "comments",
                f"Legal form: {business.legal_form}",
                source=at.field("legal_form"),
            )

    def _related(self, entity: etree._Element) -> None:
        parties = self.content.parties
        for k, party in enumerate(parties):
            role = f" ({party.role})" if party.role else ""
            person = _of_person(party, _At(f"parties[{k}]", f"related person {k + 1}{role}"))
            element = self.w.add(entity, "director_id")
            self.w.source(element, person.at.source)
            self._someone(element, person, "other")
            code = _ENTITY_ROLES.get(" ".join((party.role or "").lower().split()))
            if code is not None:
                self._code(element, "role", code, person.at.field("role"))
        if not parties:
            message = (
                "The business has no directors or other related people; goAML requires "
                "at least one for the reporting entity's own client."
            )
            self._placeholder(entity, "director_id", message, "parties", REQUIRED)
