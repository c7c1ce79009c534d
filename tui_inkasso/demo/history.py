"""What happened to each invoice up to the business date: payments, reminders, demands, cases.

Rent invoices are written month by month with that month's direct invoices in between, in
number order. Nine in ten are paid on time in full and written right in the hot loop; the rest
are simulated (late, partial, unpaid), then dunned as the owner's runs reached them, then put
in a collection case when the owner's collection run came.
"""

from __future__ import annotations

import datetime as dt

from tui_inkasso.db import models as m
from tui_inkasso.demo.catalogue import (
    AUTOGIRO,
    AUTOGIRO_METHOD,
    BAD,
    BANKGIRO_METHOD,
    BOOKED,
    CHANNELS,
    DEMO_USER,
    DIRECT,
    DIRECT_CHARGES,
    FLUSH_EVERY,
    LEVELS,
    MONTHS,
    OBJECT_TYPES,
    ON_TIME,
    OUTCOMES,
    OWNERS,
    PAYMENT,
    RENT,
)
from tui_inkasso.demo.dates import RentMonth, wednesday_on_or_after, weekday_on_or_after
from tui_inkasso.demo.ocr import demo_ocr
from tui_inkasso.demo.state import BuilderState, CaseDraft, Lease, Outcome
from tui_inkasso.domain.allocation import split_payment
from tui_inkasso.domain.collection_systems import INHOUSE

_ONE_DAY = dt.timedelta(days=1)
_DAYS = tuple(dt.timedelta(days=n) for n in range(10))


class History(BuilderState):
    """The invoices of the leases, and everything that happened to each."""

    # ----------------------------------------------------------------- invoices, month by month
    def _invoices(self, n_rent: int, n_direct: int) -> None:
        """Rent invoices of each month, then that month's direct invoices, in number order."""
        direct = self._direct_plan(max(n_direct, 0))
        active: list[list[Lease]] = [[] for _ in self.months]
        for contract in self.contracts:
            for index in range(contract.start, contract.end):
                active[index].append(contract)
        assert sum(len(a) for a in active) == n_rent, "contracts must carry exactly the rent invoices"
        pointer = 0
        for index, month in enumerate(self.months):
            self._rent_month(index, month, active[index])
            limit = self.months[index + 1].invoice_date if index + 1 < MONTHS else self.today + _ONE_DAY
            while pointer < len(direct) and direct[pointer][0] < limit:
                self._direct_invoice(*direct[pointer])
                pointer += 1
            if len(self.short[m.Invoice]) >= FLUSH_EVERY:
                self._flush()
        for item in direct[pointer:]:
            self._direct_invoice(*item)

    def _rent_month(self, index: int, month: RentMonth, contracts: list[Lease]) -> None:
        """One month's rent invoices. The hot loop of the generator: a million times at full size.

        Invoices paid on time in full (nine in ten) are written right here with precomputed
        text; the rest go through :meth:`_settle`, which simulates reminders and cases.
        """
        ids, ds, registered, rand = self.ids, self.ds, self.registered, self.rng.random
        customers, owner_ids, last_pay_day = self.customers, self.owner_ids, self.last_pay_day
        add_invoice = self.short[m.Invoice].append
        add_row = self.short[m.InvoiceRow].append
        add_payment = self.short[m.Payment].append
        invoice_s, due_s, label, due = ds[month.invoice_date], ds[month.due], month.label, month.due
        options = [max(month.invoice_date + _ONE_DAY, due - _DAYS[k]) for k in range(8)]
        bankgiro = [(ds[d], registered[d], BANKGIRO_METHOD) for d in options if d <= last_pay_day]
        autogiro = (ds[due], registered[due], AUTOGIRO_METHOD) if due <= last_pay_day else None
        seq, invoice_id, row_id = self.invoice_seq[RENT], ids[m.Invoice], ids[m.InvoiceRow]
        for contract in contracts:
            seq += 1
            number = str(seq)
            ocr = demo_ocr(number)
            rows, amount = contract.later if index >= 12 else contract.first_year
            add_row((row_id, invoice_id, 1, f"{contract.label} {label}", rows[0][1]))
            for line_no in range(1, len(rows)):
                add_row((row_id + line_no, invoice_id, line_no + 1, *rows[line_no]))
            row_id += len(rows)
            person = customers[contract.customer]
            profile = person.profile
            draw = rand()
            if draw < ON_TIME[profile]:
                pay = autogiro if profile == AUTOGIRO else (
                    bankgiro[int(rand() * len(bankgiro))] if len(bankgiro) == 8 else None)
                if pay is not None:
                    owner_id = owner_ids[contract.owner]
                    payment_id = ids[m.Payment]
                    ids[m.Payment] = payment_id + 1
                    add_payment((payment_id, PAYMENT, pay[2], invoice_id, contract.customer, owner_id, amount,
                                 amount, 0, pay[0], pay[1], DEMO_USER, ocr, person.sender, person.name, BOOKED, ""))
                    add_invoice((invoice_id, number, RENT, owner_id, contract.customer, contract.obj, contract.id,
                                 invoice_s, due_s, ocr, amount, 0, 0, 0))
                    invoice_id += 1
                    continue
            self._settle(invoice_id, number, ocr, RENT, contract, month.invoice_date, due, amount, draw)
            invoice_id += 1
        self.invoice_seq[RENT], ids[m.Invoice], ids[m.InvoiceRow] = seq, invoice_id, row_id

    def _direct_plan(self, count: int) -> list[tuple[dt.date, int]]:
        """Dates and contracts of the direct invoices, sorted by date."""
        rng = self.rng
        plan = []
        contracts = self.contracts
        for _ in range(count):
            position = int(rng.random() * len(contracts))
            contract = contracts[position]
            first = self.months[contract.start].invoice_date
            last = self.months[contract.end].invoice_date if contract.end < MONTHS else self.today
            plan.append((first + dt.timedelta(days=int(rng.random() * ((last - first).days + 1))), position))
        plan.sort()
        return plan

    def _direct_invoice(self, day: dt.date, position: int) -> None:
        rng = self.rng
        contract = self.contracts[position]
        text, low, high = DIRECT_CHARGES[int(rng.random() * len(DIRECT_CHARGES))]
        amount = (low + int(rng.random() * (high - low))) * 100
        rows = [(text, amount)]
        if amount > 200_000 and rng.random() < 0.5:
            rows = [(f"{text}, arbete", amount * 3 // 5), (f"{text}, material", amount - amount * 3 // 5)]
        if self.customers[contract.customer].sender:
            rows.append(("Moms 25 %", amount // 4))
            amount += amount // 4
        self._invoice(DIRECT, contract, day, day + dt.timedelta(days=30), rows, amount)

    def _invoice(self, kind: str, contract: Lease, invoice_date: dt.date, due: dt.date,
                 rows: list[tuple[str, int]], amount: int, outcome: Outcome | None = None,
                 blocked: tuple[str, str] | None = None, excluded: tuple[str, str] | None = None) -> int:
        """Write one invoice (outside the rent loop) with its rows and what happened to it."""
        ids = self.ids
        seq = self.invoice_seq[kind] + 1
        self.invoice_seq[kind] = seq
        number = str(seq)
        invoice_id = ids[m.Invoice]
        ids[m.Invoice] = invoice_id + 1
        row_id = ids[m.InvoiceRow]
        add_row = self.short[m.InvoiceRow].append
        for line_no, (text, row_amount) in enumerate(rows, 1):
            add_row((row_id + line_no - 1, invoice_id, line_no, text, row_amount))
        ids[m.InvoiceRow] = row_id + len(rows)
        draw = self.rng.random() if outcome is None else 1.0
        self._settle(invoice_id, number, demo_ocr(number), kind, contract, invoice_date, due, amount, draw,
                     outcome, blocked, excluded)
        return invoice_id

    def _settle(self, invoice_id: int, number: str, ocr: str, kind: str, contract: Lease,
                invoice_date: dt.date, due: dt.date, amount: int, draw: float, outcome: Outcome | None = None,
                blocked: tuple[str, str] | None = None, excluded: tuple[str, str] | None = None) -> None:
        """Payments, notices and case of one invoice, then the invoice row itself."""
        person = self.customers[contract.customer]
        profile = person.profile
        if outcome is None:
            if draw < ON_TIME[profile]:
                paid_on = due if profile == AUTOGIRO else max(
                    invoice_date + _ONE_DAY, due - _DAYS[int(self.rng.random() * 8)])
                outcome = Outcome(balance=amount)
                if paid_on <= self.last_pay_day:
                    outcome.payments.append((paid_on, amount, 1 if profile == AUTOGIRO else 0))
                    outcome.balance = 0
            else:
                outcome = self._simulate(draw, due, amount, profile, contract)
        ds = self.ds
        owner_id = self.owner_ids[contract.owner]
        case = self._case(contract, outcome, invoice_id, amount) if outcome.case_date else None
        self._notices(invoice_id, outcome)
        balance = self._payments(invoice_id, contract, ocr, amount, outcome, case)
        if case is not None:
            case.balance += balance
        # The letters' fees stay open while capital is (charge_notice_fees writes them off on a
        # settled invoice): written so here, the charges leave the row as it is.
        head = (invoice_id, number, kind, owner_id, contract.customer, contract.obj, contract.id,
                ds[invoice_date], ds[due], ocr, amount, balance, outcome.fees if balance > 0 else 0)
        if not (outcome.notices or case or blocked or excluded):
            self.short[m.Invoice].append((*head, 0))
            return
        last = outcome.notices[-1] if outcome.notices else None
        self.full[m.Invoice].append((
            *head, last[0] if last else 0, ds[last[1]] if last else None, ds[last[2]] if last else None,
            blocked[0] if blocked else None, DEMO_USER if blocked else None, blocked[1] if blocked else None,
            case.id if case else None, f"{ds[case.created]} 10:00:00" if case else None,
            excluded[0] if excluded else None, DEMO_USER if excluded else None, excluded[1] if excluded else None,
        ))

    # ----------------------------------------------------------------- what happened to an invoice
    def _simulate(self, draw: float, due: dt.date, amount: int, profile: int,
                  contract: Lease) -> Outcome:
        """A payer who was late, paid part, or did not pay; then the dunning the owner ran."""
        rng = self.rng
        outcome = Outcome()
        _on_time, late, partial = OUTCOMES[profile]
        pays = outcome.payments
        if draw < late:
            pays.append((due + dt.timedelta(days=1 + int(rng.random() * (55 if profile == BAD else 30))), amount, 0))
        elif draw < partial:
            part = max(100, amount * (2 + int(rng.random() * 7)) // 1000 * 100)
            pays.append((due - dt.timedelta(days=int(rng.random() * 3)), part, 0))
            if rng.random() < 0.5:
                pays.append((due + dt.timedelta(days=10 + int(rng.random() * 80)), amount - part, 2))
        else:
            later = rng.random()
            if later < 0.35:
                pays.append((due + dt.timedelta(days=40 + int(rng.random() * 160)), amount, 2))
            elif later < 0.55:
                pays.append((due + dt.timedelta(days=40 + int(rng.random() * 120)), amount // 200 * 100, 2))
        if pays and pays[-1][0] > self.last_pay_day:
            outcome.payments = pays = [p for p in pays if p[0] <= self.last_pay_day]
        self._dunning(outcome, due, amount, contract)
        return outcome

    def _dunning(self, outcome: Outcome, due: dt.date, amount: int, contract: Lease) -> None:
        """Issue the levels the owner's runs reached, then a case if its collection run came."""
        pays = outcome.payments
        outcome.balance = amount - sum(p[1] for p in pays)
        spec = OWNERS[contract.owner]
        cutoff = self.today - dt.timedelta(days=spec.dunning_lag)
        eligible = weekday_on_or_after(weekday_on_or_after(due) + dt.timedelta(days=LEVELS[0].days))
        for level in LEVELS:
            if eligible > cutoff:
                return
            balance = amount - sum(p[1] for p in pays if p[0] < eligible)
            if balance <= 0:
                return
            deadline = weekday_on_or_after(eligible + dt.timedelta(days=level.deadline_days))
            fee = level.fee if contract.fee_allowed else 0
            outcome.notices.append((level.level, eligible, deadline, balance, fee))
            outcome.fees += fee
            eligible = weekday_on_or_after(max(eligible + dt.timedelta(days=level.days),
                                                deadline + dt.timedelta(days=1)))
        case_day = wednesday_on_or_after(outcome.notices[-1][2] + dt.timedelta(days=1))
        if case_day > self.today - dt.timedelta(days=spec.collection_lag):
            return
        if amount - sum(p[1] for p in pays if p[0] < case_day) > 0:
            outcome.case_date = case_day

    # ----------------------------------------------------------------- children of an invoice
    def _notices(self, invoice_id: int, outcome: Outcome) -> None:
        ds = self.ds
        for level, issued, deadline, capital, fee in outcome.notices:
            run = self.runs[issued]
            run[1] += 1
            run[2] += fee
            self.short[m.DunningNotice].append((
                self._id(m.DunningNotice), invoice_id, run[0], level, LEVELS[level - 1].name,
                ds[issued], ds[deadline], capital, fee, 0,
            ))

    def _payments(self, invoice_id: int, contract: Lease, ocr: str, amount: int, outcome: Outcome,
                  case: CaseDraft | None) -> int:
        """Write the payments in date order, each applied up to the balance; returns the balance."""
        ds = self.ds
        person = self.customers[contract.customer]
        owner_id = self.owner_ids[contract.owner]
        balance = amount
        for pay_date, paid, channel in outcome.payments:
            after_case = case is not None and pay_date >= case.created
            if channel == 2 and not after_case:
                channel = 0  # the agency only pays on invoices it holds
            split = split_payment(paid, balance, from_agency=channel == 2,
                                  owner_has_overpayment_account=OWNERS[contract.owner].overpayment_account)
            balance -= split.invoice_amount
            registered = self.registered[pay_date]
            kind, method, sender, payer = CHANNELS[channel]
            row = (self._id(m.Payment), kind, method, invoice_id, contract.customer, owner_id, paid,
                   split.invoice_amount, split.excess_amount, ds[pay_date], registered, DEMO_USER, ocr,
                   sender or person.sender, payer or person.name, BOOKED, "")
            if split.excess_amount or after_case:
                self.full[m.Payment].append((*row[:9], split.excess_role, *row[9:15], None, None, *row[15:],
                                             case.id if after_case and case else None))
            else:
                self.short[m.Payment].append(row)
            if case is not None and after_case:
                case.paid_after = True
                case.last_paid = max(case.last_paid, registered)
        return balance

    def _case(self, contract: Lease, outcome: Outcome, invoice_id: int, amount: int) -> CaseDraft:
        """The case of this debtor created on that collection run (one per owner and run)."""
        assert outcome.case_date is not None
        key = (contract.owner, contract.customer, outcome.case_date)
        case = self.cases.get(key)
        if case is None:
            case = CaseDraft(self._id(m.CollectionCase), contract.owner, contract.customer, outcome.case_date)
            self.cases[key] = case
            created = f"{self.ds[outcome.case_date]} 10:00:00"
            self._add(m.CollectionCase, (
                case.id, f"IK{outcome.case_date.year}-{case.id:06d}", INHOUSE.code,
                self.owner_ids[contract.owner], contract.customer, m.CaseStatus.REGISTERED.value,
                created, DEMO_USER, None, "", 0, 0, 0, None,
            ))
            self._add(m.CaseEvent, (self._id(m.CaseEvent), case.id, created, DEMO_USER, "created",
                                    "Ärendet registrerat från inkassokörningen"))
        capital = amount - sum(p[1] for p in outcome.payments if p[0] < outcome.case_date)
        case.capital += capital
        case.fees += outcome.fees
        sfi = OBJECT_TYPES[contract.type_index][2]
        self._add(m.CaseInvoice, (self._id(m.CaseInvoice), case.id, invoice_id, capital, outcome.fees, 0, sfi))
        return case
