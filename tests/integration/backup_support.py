"""What a backup must give back, read through the API: shared by the
backup tests on SQLite (test_backup_restore) and PostgreSQL
(test_backup_postgres)."""


def court_state(admin):
    """Sessions, cases, each case's and each session's steps, each session's
    cameras' publish keys, the destinations' settings."""
    sessions = admin.ok("GET", "/sessions")["sessions"]
    cases = admin.ok("GET", "/cases")["cases"]
    # A destination as configured; its health is the running server's.
    destinations = [{k: v for k, v in d.items() if k != "health"}
                    for d in admin.ok("GET", "/destinations")["destinations"]]
    state = {"sessions": sessions, "cases": cases, "steps": {}, "session_steps": {}, "keys": {},
             "destinations": destinations}
    for c in cases:
        state["steps"][c["id"]] = admin.ok("GET", f"/cases/{c['id']}/steps")
    for s in sessions:
        state["session_steps"][s["id"]] = admin.ok("GET", f"/sessions/{s['id']}/steps")
        urls = admin.ok("POST", f"/sessions/{s['id']}/publish-urls", {})
        # The keys, not the URLs: a restarted server listens on another port.
        state["keys"][s["id"]] = {i["name"]: i["publish_url"].split("key=")[1]
                                  for i in urls["inputs"]}
    return state


def audit_entries(admin):
    return admin.ok("GET", "/audit?limit=1000")["entries"]


def assert_court_restored(test, admin, before, audit_before):
    """The restored server's court is the one backed up (court_state), and its
    audit chain verifies and begins with the entries it had."""
    verified = admin.ok("GET", "/audit/verify")
    test.assertTrue(verified["ok"], verified)
    test.assertEqual(audit_entries(admin)[:len(audit_before)], audit_before)
    after = court_state(admin)
    for part, value in before.items():
        test.assertEqual(after[part], value, part)
