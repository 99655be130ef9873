"""Request bodies and set-up shared by the court API tests (test_court_api*.py)."""

import itertools

from harness import ApiClient

ROLES = ("admin", "director", "officer", "moderator", "readonly")
PASSWORD = "correct-horse-battery"

# 2024-08-08 08:00 Beijing time, in UTC milliseconds.
T0 = 1723075200000
MINUTE = 60_000
_numbers = itertools.count(9000)


def campaign_body(name="陇原风暴"):
    return {"name": name, "start_ms": T0 - 200 * 24 * 3600_000, "end_ms": T0 + 150 * 24 * 3600_000,
            "key_tasks": ["涉民生案件集中执行"], "target_sessions_per_month": 2}


def case_body(campaign_id=None):
    body = {"number": f"（2024）甘0602执{next(_numbers)}号", "cause": "借款合同纠纷",
            "handler": "王某", "applicants": [{"name": "张某"}],
            "respondents": [{"name": "李某", "kind": "person"}], "claimed_fen": 100_000_000,
            "filed_ms": T0 - 30 * 24 * 3600_000}
    if campaign_id:
        body["campaign_id"] = campaign_id
    return body


def session_body(campaign_id=None):
    body = {"title": "直击执行现场", "site": "武威市凉州区", "scheduled_start_ms": T0,
            "scheduled_end_ms": T0 + 180 * MINUTE, "inputs": ["cam-a", "cam-b"],
            "plan": {"route": "凉州区", "host": "孙某",
                     "officers": [{"name": "王某", "role": "judge"}]}}
    if campaign_id:
        body["campaign_id"] = campaign_id
    return body


def step_body(case_id, type_="arrival", minute=0, **extra):
    body = {"case_id": case_id, "type": type_, "start_ms": T0 + minute * MINUTE,
            "end_ms": T0 + minute * MINUTE + MINUTE,
            "officers": [{"name": "王某", "role": "judge"}], "place": "凉州区"}
    body.update(extra)
    return body


def username(role, suffix=""):
    """The test user of a role ("admin" itself is the first-start admin)."""
    return f"{role}1{suffix}"


def make_users(server, roles=ROLES, suffix=""):
    """One user per role, created with the bootstrap token; {role: user id}."""
    ids = {}
    for role in roles:
        status, body = server.control("POST", "/users", {"username": username(role, suffix),
                                                         "role": role, "password": PASSWORD})
        assert status == 201, body
        ids[role] = body["id"]
    return ids


def logged_in(server, username, password=PASSWORD):
    client = ApiClient(server)
    status, body = client.login(username, password)
    assert status == 200, body
    return client


def planned_session(director, admin, body=None, case=None, plan=None):
    """A draft session ready to submit: one case (made by `admin` unless given) in its
    cases and its plan's case_order, created by `director` in one call; (session id, case id).
    `plan` adds to session_body()'s plan."""
    if case is None:
        case = admin.ok("POST", "/cases", case_body())["id"]
    body = dict(body or session_body())
    body["case_ids"] = [case]
    body["plan"] = {**body.get("plan", {}), **(plan or {}), "case_order": [case]}
    return director.ok("POST", "/sessions", body)["id"], case


def approved_session(director, admin, body=None, case=None, plan=None):
    """planned_session() submitted by `director` and approved by `admin` (approval takes a
    second person); its inputs take their publish keys from now on. (session id, case id)."""
    session, case = planned_session(director, admin, body, case, plan)
    director.ok("POST", f"/sessions/{session}/submit")
    admin.ok("POST", f"/sessions/{session}/approve")
    return session, case
