"""GET /metrics: Prometheus' text format that promtool accepts, figures that
move when a camera publishes and when a platform drops, no secret or
address in it, and only loopback or the token may read it."""

import json
import urllib.error
import unittest
import urllib.request

from harness import (FlvPlayer, NginxRtmp, Server, WebSocketReader, publish, stop, test_media,
                     wait_for, wait_live)
from metrics_support import fetch, parse, promtool_check, total, value
from test_srt_ingest import publish_srt, srt_url, standard_id

PUBLISH_KEY = "test-key-metrics-a1"
PLATFORM_KEY = "platform-push-key-7f3e9"


class MetricsTest(unittest.TestCase):
    def test_figures_move_when_a_stream_publishes_and_a_destination_drops(self):
        nginx = NginxRtmp()
        extra = ('[[destination]]\nstream = "cam-a"\nname = "douyin-test"\npreset = "douyin"\n'
                 f'url = "rtmp://127.0.0.1:{nginx.plain_ports[0]}/live/{PLATFORM_KEY}"\n')
        publisher = player = None
        try:
            with Server(streams=(("cam-a", PUBLISH_KEY, False),), extra=extra) as server:
                def scrape():
                    status, body, headers = fetch(server.http_port)
                    self.assertEqual(status, 200, body)
                    self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
                    return body

                before = scrape()
                ok, out = promtool_check(before)
                self.assertTrue(ok, out)
                self.assertEqual(value(parse(before), "courtcast_publishers"), 0)

                publisher = publish(server.rtmp_url("cam-a", f"key={PUBLISH_KEY}"), test_media())
                wait_live(server, "cam-a")
                player = FlvPlayer(server.flv_url("cam-a", f"key={PUBLISH_KEY}"))
                player.read_headers()
                s = wait_for(lambda: (lambda s: value(s, "courtcast_destination_state",
                                                      destination="douyin-test", state="live") == 1
                                      and value(s, "courtcast_players", protocol="http_flv") == 1
                                      and s)(parse(scrape())),
                             15, "the destination live and the FLV player counted")
                self.assertEqual(value(s, "courtcast_publishers"), 1)
                self.assertEqual(value(s, "courtcast_stream_publishing", stream="cam-a"), 1)
                bytes_in = value(s, "courtcast_stream_received_bytes_total", stream="cam-a")
                self.assertGreater(bytes_in, 0)
                self.assertEqual(value(s, "courtcast_destination_reconnects_total",
                                       destination="douyin-test"), 0)
                # Bytes keep coming in at a rate, and reach the platform.
                s = wait_for(lambda: (lambda s: value(s, "courtcast_stream_received_bytes_total",
                                                      stream="cam-a") > bytes_in
                                      and value(s, "courtcast_stream_incoming_bytes_per_second",
                                                stream="cam-a") > 0
                                      and value(s, "courtcast_destination_sent_bytes_total",
                                                destination="douyin-test") > 0 and s)(
                    parse(scrape())), 10, "more bytes in, a rate and bytes to the platform")

                # The platform goes away: the state gauge leaves live, reconnects count.
                nginx.stop()
                s = wait_for(lambda: (lambda s: value(s, "courtcast_destination_state",
                                                      destination="douyin-test", state="live") == 0
                                      and value(s, "courtcast_destination_reconnects_total",
                                                destination="douyin-test") >= 1 and s)(
                    parse(scrape())), 15, "the destination to drop and count a reconnect")
                self.assertEqual(total(s, "courtcast_destination_state",
                                       destination="douyin-test"), 1)

                # A wrong login counts; the requests are counted by route pattern.
                req = urllib.request.Request(
                    f"http://127.0.0.1:{server.http_port}/api/v1/login", method="POST",
                    data=json.dumps({"username": "admin", "password": "wrong"}).encode(),
                    headers={"Content-Type": "application/json"})
                with self.assertRaises(urllib.error.HTTPError):
                    urllib.request.urlopen(req, timeout=10)
                server.api("/streams/cam-a")
                body = scrape()
                s = parse(body)
                self.assertEqual(value(s, "courtcast_login_failures_total",
                                       reason="invalid_credentials"), 1)
                self.assertEqual(value(s, "courtcast_http_requests_total", method="POST",
                                       route="/api/v1/login", status="401"), 1)
                self.assertGreaterEqual(value(s, "courtcast_http_requests_total", method="GET",
                                              route="/api/v1/streams/{rest}", status="200"), 1)
                self.assertEqual(value(s, "courtcast_http_requests_total",
                                       route="/live/{name}.flv", status="200"), 1)
                self.assertGreaterEqual(value(s, "courtcast_http_request_duration_seconds_count",
                                              route="/metrics"), 3)
                ok, out = promtool_check(body)
                self.assertTrue(ok, out)
                # No key, no publisher's or platform's address.
                for secret in (PUBLISH_KEY, PLATFORM_KEY, "127.0.0.1", server.token()):
                    self.assertNotIn(secret, body)
        finally:
            if player:
                player.close()
            stop(publisher)
            nginx.stop()

    def test_srt_link_figures_reach_the_events_and_the_metrics(self):
        with Server(streams=(("cam-a", PUBLISH_KEY, False),)) as server:
            events = WebSocketReader(server.http_port, f"/api/v1/events?token={server.token()}")
            proc = publish_srt(srt_url(server.srt_port, standard_id("cam-a", PUBLISH_KEY)),
                               test_media())
            try:
                self.assertEqual(events.status, 101)

                def next_links(want):
                    while True:
                        e = json.loads(events.next_text(timeout=15))
                        if e["type"] == "stream.links" and want(e["links"]):
                            return e["links"]

                links = next_links(lambda links: any(
                    l["stream"] == "cam-a" and l["link"]["packets_received"] > 0 for l in links))
                link = [l["link"] for l in links if l["stream"] == "cam-a"][0]
                self.assertEqual(link["protocol"], "srt")
                for field in ("rtt_ms", "packets_lost", "packets_retransmitted",
                              "receive_buffer_ms"):
                    self.assertIn(field, link)
                status, body, _ = fetch(server.http_port)
                s = parse(body)
                self.assertEqual(value(s, "courtcast_srt_links"), 1)
                self.assertGreater(value(s, "courtcast_srt_received_packets_total",
                                         stream="cam-a"), 0)
                self.assertEqual(value(s, "courtcast_srt_latency_seconds", stream="cam-a"), 2)
                ok, out = promtool_check(body)
                self.assertTrue(ok, out)
                self.assertNotIn(PUBLISH_KEY, body)
                self.assertNotIn("127.0.0.1", body)
                stop(proc)
                # The last link gone: one event says so, and the tile clears.
                self.assertEqual(next_links(lambda links: links == []), [])
            finally:
                stop(proc)
                events.close()

    def test_only_loopback_or_the_token_reads_metrics(self):
        token = "scrape-token-0123456789"
        with Server(extra=f'[metrics]\nallow_loopback = false\ntoken = "{token}"\n') as server:
            status, body, headers = fetch(server.http_port)
            self.assertEqual(status, 401, body)
            self.assertEqual(headers["WWW-Authenticate"], "Bearer")
            self.assertNotIn("courtcast_", body)
            status, body, _ = fetch(server.http_port, {"Authorization": "Bearer wrong-token-0000000"})
            self.assertEqual(status, 401)
            status, body, _ = fetch(server.http_port, {"Authorization": f"Bearer {token}"})
            self.assertEqual(status, 200)
            self.assertIn("courtcast_build_info", body)
            self.assertNotIn(token, body)
        with Server(extra="[metrics]\nenabled = false\n") as server:
            status, body, _ = fetch(server.http_port)
            self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
