"""`RemoteLedger`: the `Ledger` API over HTTP, for a ledger that `ledger serve` serves.

The same methods, arguments, return types and errors as the local `Ledger`, so code
written against one runs against the other. Each write carries a fresh `Idempotency-Key`,
reused when the client retries it after a dropped connection, so a retry never records
twice. Reads carry `min_position`: the position of this client's last write, so that a
server reading from a replica answers only once the replica has it (read-your-writes).

Requests go straight to an httpx transport (one keep-alive connection pool): the
`httpx.Client` layer above it — cookies, redirects, auth flows, URL merging — is nothing
this client uses, and costs about a third of a request's time in the client.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Self, TypeVar

import httpx

from ledger.domain.estimate import ClaimView, EstimateSummary, FigureEstimate
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, FigureKind, Report, Source, SourceKind
from ledger.errors import DatabaseUnavailableError, InvalidInputError
from ledger.remote.problems import error_of
from ledger.remote.wire import (
    as_json,
    compensation,
    figure_path,
    given,
    param,
    parsed,
    path_of,
    published,
)
from ledger.service import inputs
from ledger.service.integrity import anchors_of
from ledger.service.results import (
    Anchor,
    LedgerEvent,
    RecordedClaim,
    RecordedEvent,
    RecordedReport,
    ReportView,
    SourceView,
    VerifyResult,
)

T = TypeVar("T")
RETRIES = 3
"""How many times a request is sent again after the connection failed (after 0.1, 0.2 and
0.4 s) or the server answered 503 (a replica behind, the database out of reach: after the
answer's Retry-After, at most `MOST_WAIT`); a write goes again with the same
`Idempotency-Key`."""
BACKOFF = 0.1
MOST_WAIT = 5.0
URLS_KEPT = 256
PAGE = 1000


class RemoteLedger:
    """A ledger served over HTTP. Use `ledger.connect(url, token=...)`; close it (or use
    `with`) when done."""

    def __init__(
        self,
        url: str,
        *,
        token: str,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = inputs.text(url, "url").rstrip("/")
        inputs.text(token, "token")
        self.position = 0  # the position this client's last write recorded
        self._headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": "claim-ledger",
            "Accept": "application/json",
        }
        self._timeout = {"timeout": httpx.Timeout(timeout).as_dict()}
        # (a test's, or one through a proxy: httpx.HTTPTransport(proxy=...))
        self._transport = transport or httpx.HTTPTransport()
        self._urls: dict[str, httpx.URL] = {}  # path: its URL, parsed once

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------

    def register_source(
        self,
        source_id: str,
        *,
        name: str,
        kind: SourceKind | str,
        parent: str | None = None,
        notes: str | None = None,
    ) -> Source:
        """As `Ledger.register_source`."""
        body = inputs.validated(
            Source, "", source_id=source_id, name=name, kind=kind, parent=parent, notes=notes
        )
        return self._write("/v1/sources", body, Source)

    def define_figure(
        self,
        figure: str,
        *,
        unit: str = "people",
        kind: FigureKind | str = FigureKind.CUMULATIVE,
        parent: str | None = None,
        description: str | None = None,
    ) -> Figure:
        """As `Ledger.define_figure`."""
        body = inputs.validated(
            Figure, "", figure=figure, unit=unit, kind=kind, parent=parent, description=description
        )
        return self._write("/v1/figures", body, Figure)

    def append_report(self, report: Report) -> RecordedReport:
        """As `Ledger.append_report`."""
        body = inputs.instance(report, Report, "report")
        return self._write("/v1/reports", body, RecordedReport)

    def append_reports(self, reports: Sequence[Report]) -> list[RecordedReport]:
        """As `Ledger.append_reports`: all of them or none."""
        if not isinstance(reports, list | tuple):
            raise InvalidInputError("reports", "expected a list of ledger.Report")
        for index, report in enumerate(reports):
            inputs.instance(report, Report, f"reports[{index}]")
        return self._write("/v1/reports", list(reports), list[RecordedReport])

    def retract(
        self,
        claim_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | str | None = None,
    ) -> RecordedEvent:
        """As `Ledger.retract`: the issuer withdrew a claim."""
        body = compensation(by, reason, evidence, published_at)
        return self._compensate("claims", claim_id, "retractions", body, RecordedEvent)

    def dispute(
        self,
        claim_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | str | None = None,
    ) -> RecordedEvent:
        """As `Ledger.dispute`: someone questioned a claim."""
        body = compensation(by, reason, evidence, published_at)
        return self._compensate("claims", claim_id, "disputes", body, RecordedEvent)

    def refute(
        self,
        claim_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | str | None = None,
    ) -> RecordedEvent:
        """As `Ledger.refute`: evidence shows a claim is false."""
        body = compensation(by, reason, evidence, published_at)
        return self._compensate("claims", claim_id, "refutations", body, RecordedEvent)

    def supersede(
        self,
        claim_id: str,
        *,
        replacement: str,
        by: str,
        reason: str = "the origin published a newer figure",
        evidence: str | None = None,
        published_at: datetime | str | None = None,
    ) -> RecordedEvent:
        """As `Ledger.supersede`: a newer claim of the same origin replaces this one."""
        body = given(
            replacement=replacement,
            by=by,
            reason=reason,
            evidence=evidence,
            published_at=published(published_at),
        )
        return self._compensate("claims", claim_id, "supersessions", body, RecordedEvent)

    def correct(
        self,
        claim_id: str,
        *,
        reason: str,
        value: str | None = None,
        figure: str | None = None,
        as_of: date | datetime | str | None = None,
        origin: str | None = None,
        quote: str | None = None,
        derived_from: str | None = None,
        evidence: str | None = None,
    ) -> RecordedClaim:
        """As `Ledger.correct`: our extraction was wrong; a replacement is recorded."""
        body = given(
            reason=reason,
            value=value,
            figure=figure,
            as_of=None if as_of is None else inputs.day_or_time(as_of, "as_of"),
            origin=origin,
            quote=quote,
            derived_from=derived_from,
            evidence=evidence,
        )
        return self._compensate("claims", claim_id, "corrections", body, RecordedClaim)

    def retract_report(
        self,
        report_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | str | None = None,
    ) -> list[RecordedEvent]:
        """As `Ledger.retract_report`: every claim of a report that still counts."""
        body = compensation(by, reason, evidence, published_at)
        return self._compensate("reports", report_id, "retractions", body, list[RecordedEvent])

    # -- reading ------------------------------------------------------------------------------

    def estimate(
        self,
        figure: str,
        *,
        at_position: int | None = None,
        recorded_before: datetime | str | None = None,
        known_on: date | datetime | str | None = None,
    ) -> FigureEstimate:
        """As `Ledger.estimate`: now, or as of a position, a recorded time or a day."""
        query: dict[str, Any] = {}
        if at_position is not None:
            query["at_position"] = inputs.position(at_position, "at_position")
        if recorded_before is not None:
            query["recorded_before"] = inputs.aware_time(recorded_before, "recorded_before")
        if known_on is not None:
            query["known_on"] = inputs.day_or_time(known_on, "known_on")
        return self._read(figure_path(figure, "estimate"), FigureEstimate, query)

    def history(
        self, figure: str, *, after: int | None = None, limit: int | None = None
    ) -> list[EstimateChange]:
        """As `Ledger.history`: every change, or a keyset page of `limit` after `after`."""
        path = figure_path(figure, "history")
        if after is not None:
            after = inputs.position(after, "after")
        if limit is not None:
            if inputs.position(limit, "limit") == 0:
                raise InvalidInputError("limit", "must be 1 or more")
            return self._read(path, list[EstimateChange], given(after=after, limit=limit))
        changes: list[EstimateChange] = []
        while True:
            page = self._read(path, list[EstimateChange], given(after=after, limit=PAGE))
            changes += page
            if len(page) < PAGE:
                return changes
            after = page[-1].position

    def figures(self) -> list[Figure]:
        """Every defined figure."""
        return self._read("/v1/figures", list[Figure])

    def estimates(self) -> list[FigureEstimate]:
        """The current estimate of every figure, by key."""
        return self._read("/v1/estimates", list[FigureEstimate])

    def summaries(self) -> dict[str, EstimateSummary]:
        """The headline of every figure's current estimate."""
        return self._read("/v1/summaries", dict[str, EstimateSummary])

    def sources(self) -> list[Source]:
        """Every registered source."""
        return self._read("/v1/sources", list[Source])

    def claims(self, figure: str) -> list[ClaimView]:
        """Every claim of a figure, with where it stands now."""
        return self._read(figure_path(figure, "claims"), list[ClaimView])

    def claim(self, claim_id: str) -> ClaimView:
        """One claim, with where it stands now."""
        return self._read(path_of("claims", inputs.text(claim_id, "claim_id")), ClaimView)

    def report(self, report_id: str) -> ReportView:
        """A filed report as recorded, with its claims."""
        return self._read(path_of("reports", inputs.text(report_id, "report_id")), ReportView)

    def source(self, source_id: str) -> SourceView:
        """A registered source with what it said."""
        return self._read(path_of("sources", inputs.text(source_id, "source_id")), SourceView)

    # -- the log ------------------------------------------------------------------------------

    def events(self, after: int = 0) -> Iterator[LedgerEvent]:
        """As `Ledger.events`: every event after a position, fetched a page at a time."""
        after = inputs.position(after, "after")
        return self._events(after)

    def _events(self, after: int) -> Iterator[LedgerEvent]:
        while True:
            page = self._read("/v1/events", list[LedgerEvent], {"after": after, "limit": PAGE})
            yield from page
            if len(page) < PAGE:
                return
            after = page[-1].position

    def head(self) -> int:
        """The last position in the log."""
        found: dict[str, int] = self._read("/v1/head", dict[str, int])
        return found["position"]

    def verify(
        self,
        expect: Iterable[Anchor | str] = (),
        *,
        deep: bool = False,
        content: bool = True,
    ) -> VerifyResult:
        """As `Ledger.verify`: the hash chain, each anchor of `expect` (`HASH@POSITION`),
        the events against the rules (`content`) and (`deep`) the read model rebuilt."""
        query = {
            "expect": [str(anchor) for anchor in anchors_of(expect, "expect")],
            "deep": inputs.flag(deep, "deep"),
            "content": inputs.flag(content, "content"),
        }
        found = self._read("/v1/verify", dict[str, Any], query)
        found["anchors"] = tuple(Anchor(**a) for a in found.get("anchors", ()))
        return VerifyResult(**found)

    # -- the wire -----------------------------------------------------------------------------

    def _compensate(
        self, kind: str, key: str, what: str, arguments: Mapping[str, Any], shape: type[T]
    ) -> T:
        inputs.text(key, f"{kind[:-1]}_id")
        return self._write(path_of(kind, key, what), dict(arguments), shape)

    def _write(self, path: str, body: Any, shape: type[T]) -> T:
        content = as_json(body)
        key = str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        response = self._send("POST", path, content=content, headers=headers)
        position = response.headers.get("Ledger-Position")
        if position and position.isdigit():
            self.position = max(self.position, int(position))
        return parsed(response, shape)

    def _read(self, path: str, shape: type[T], query: Mapping[str, Any] | None = None) -> T:
        params: dict[str, Any] = {
            k: [param(x) for x in v] if isinstance(v, list) else param(v)
            for k, v in (query or {}).items()
        }
        if self.position:
            params["min_position"] = str(self.position)
        return parsed(self._send("GET", path, params=params), shape)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        for attempt in range(RETRIES + 1):
            request = httpx.Request(
                method,
                self._url(path),
                params=params,
                content=content,
                headers={**self._headers, **headers} if headers else self._headers,
                extensions=self._timeout,
            )
            try:
                response = self._transport.handle_request(request)
                response.read()  # (and back to the pool with its connection)
            except httpx.TransportError as error:
                if attempt == RETRIES:
                    raise DatabaseUnavailableError(f"{self.url}: {error}") from error
                time.sleep(BACKOFF * 2**attempt)
                continue
            if response.is_success:
                return response
            if response.status_code != 503 or attempt == RETRIES:
                raise error_of(response)
            time.sleep(_retry_after(response, BACKOFF * 2**attempt))
        raise AssertionError("unreachable")

    def _url(self, path: str) -> httpx.URL:
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= URLS_KEPT:
                self._urls.clear()
            url = self._urls[path] = httpx.URL(self.url + path)
        return url


def _retry_after(response: httpx.Response, otherwise: float) -> float:
    """The seconds a 503 asks the client to wait (`Retry-After`), at most `MOST_WAIT`."""
    asked = response.headers.get("Retry-After", "")
    return min(float(asked), MOST_WAIT) if asked.isdigit() else otherwise
