"""Checking a tenant's credentials before they are saved, so a wrong secret is a 422 naming it and not
a tenant whose first link fails.

Procore: a token with the given client id/secret, then a read of the company list, which must hold
the tenant's company. Microsoft: a token from Entra ID, then a read of each SharePoint site the
tenant's links use. Clients are built from the candidate values only (a fresh token cache), so a
cached token of the old credentials never makes a wrong secret look right. Transient errors
propagate (503 in handlers.py). Never imports azure.functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import errors
from shared.graph import sites
from shared.graph.config import GraphConfig
from shared.graph.session import GraphSession
from shared.onboarding.web import ApiProblem
from shared.procore.auth import ClientCredentials, TokenCache
from shared.procore.client import ProcoreClient, ProcoreConnection

UNPROCESSABLE = 422


@dataclass(frozen=True)
class ProcoreCandidate:
    company_id: int
    client_id: str
    client_secret: str
    base_url: str
    login_url: str


@dataclass(frozen=True)
class MicrosoftCandidate:
    tenant_id: str
    client_id: str
    client_secret: str
    graph_url: str
    authority: str | None


def check_procore(candidate: ProcoreCandidate) -> None:
    """Raise an ApiProblem (422) naming the credential unless these credentials reach the company."""
    client = ProcoreClient.connect(ProcoreConnection(
        base_url=candidate.base_url, login_url=candidate.login_url, company_id=candidate.company_id,
        credentials=ClientCredentials(client_id=candidate.client_id, client_secret=candidate.client_secret)),
        tokens=TokenCache())
    try:
        companies = client.directory.companies()
    except errors.BadCredentials:
        raise ApiProblem.on_field(UNPROCESSABLE, "procore_bad_credentials", "procore.client_secret",
                                  "Procore refused this client id/secret: no token was issued. Check the "
                                  "client secret (and client id) of the Procore app.") from None
    except errors.ConfigError:
        raise _company_not_visible(candidate.company_id) from None
    finally:
        client.close()
    if not any(company.id == candidate.company_id for company in companies):
        raise _company_not_visible(candidate.company_id)


def _company_not_visible(company_id: int) -> ApiProblem:
    return ApiProblem.on_field(UNPROCESSABLE, "procore_company_not_visible", "procore.company_id",
                               f"The Procore app is not connected to company {company_id}. Install it in the "
                               "company (App Management) and try again.")


def check_microsoft(candidate: MicrosoftCandidate, site_ids: list[str], ca_file: str | None) -> None:
    """Raise an ApiProblem (422) naming the credential unless Entra ID issues a token for these
    credentials and every site in `site_ids` can be read with it."""
    session = GraphSession(GraphConfig(
        tenant_id=candidate.tenant_id, client_id=candidate.client_id, client_secret=candidate.client_secret,
        authority=candidate.authority, graph_url=candidate.graph_url, ca_file=ca_file))
    try:
        try:
            session.tokens.token()
        except errors.BadCredentials:
            raise ApiProblem.on_field(UNPROCESSABLE, "microsoft_bad_credentials", "microsoft.client_secret",
                                      "Microsoft Entra ID refused this client id/secret: no token was issued. "
                                      "Check the app registration's client secret (and client id).") from None
        except errors.ConfigError as exc:
            raise ApiProblem.on_field(UNPROCESSABLE, "microsoft_configuration", "microsoft.client_id",
                                      f"Microsoft Entra ID refused the app's configuration: {exc}") from None
        for site_id in sorted(set(site_ids)):
            try:
                sites.get_site(session, site_id)
            except (errors.PermissionDenied, errors.NotFound, errors.TargetNotFound, errors.BadCredentials):
                raise ApiProblem.on_field(UNPROCESSABLE, "sharepoint_site_not_readable", "microsoft.client_id",
                                          f"With these credentials the app cannot read SharePoint site {site_id}, "
                                          "which the tenant's links use. Grant the app access to it.") from None
    finally:
        session.close()
