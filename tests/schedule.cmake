# How CTest packs make test's tests onto the machine.
#
# Slots: make test runs ctest -j (2 x cores). Most integration tests wait on
# real time (FFmpeg publishing at its rate, a delay line, a minute of flood)
# and keep a core busy 2 to 40 % of their time (CPU seconds over wall
# seconds, measured for each), so two of them per core still leave the cores
# mostly idle. What keeps a core busy runs one at a time in its kind
# (RESOURCE_LOCK): a browser spec or a test whose encoder makes air in real
# time or that floods the server (cpu_heavy, below: a browser spec's session
# encodes air too), a fuzzer (fuzz; niced, so that what runs beside it comes
# first). So at most one of each, and tests that wait, share the 2 cores. (Not PROCESSORS 2: CTest 3.25
# starts a test only when its slots are free at once, and one that needs two
# waited until the end while one-slot tests took each slot as it came free.)
#
# Order: CTest starts the tests of the highest COST first. The cpu_heavy
# tests (browser specs first) and the fuzzers each run one after the other
# from the start (each takes the slot the one before left), beside them the other
# tests, longest first, so that the run ends on many short ones. A fresh
# clone (CI) has no Testing/Temporary/CTestCostData.txt, the costs CTest
# learns from a run; without costs the tests started in the order they were
# registered, and the longest (integration.test_record_publish, the 701st of
# 715) ran on at the end with one core idle, after the browser suite had run
# alone (RUN_SERIAL).
#
# The costs are the seconds the tests took in make test (2 cores; the CI log
# of 2026-11-29, ctest's per-test times); the browser specs' and fuzzers' are
# raised to put them first. After a run, `sort -k3 -gr
# build/Testing/Temporary/CTestCostData.txt | head -40` gives current ones
# (name, runs, seconds). Tests not listed cost 0.
set(COURTCAST_TEST_COSTS
  web.playwright.console=1060
  web.playwright.hls=1060
  web.playwright.watch=1025
  web.playwright.air=1020
  web.playwright.srt-link=1010
  integration.test_program.ProgramControl=80
  integration.test_program.StandbyCardOnAir=70
  integration.test_program.PrivacyCutByModerator=5
  integration.test_question_flood=62
  integration.test_record_publish=45
  integration.test_srt_ingest=42
  integration.test_relay=39
  integration.test_air_encoder=39
  integration.test_hls=35
  integration.test_export_records=29
  integration.test_air_slate=25
  integration.test_export_parts=24
  integration.test_playback=23
  integration.test_edge_cache=22
  integration.test_record_crash=21
  integration.test_backup_postgres=20
  integration.test_court_api_login=20
  integration.test_slow_player=17
  integration.test_sessions=17
  integration.test_record_disk=15
  integration.test_reconnect=15
  integration.test_watch_public=10
  integration.test_card_upload=10
  integration.test_metrics=9
  integration.test_publish_refusals=8
  integration.test_air_graphics=8
  integration.test_rtmps=7
  integration.test_rtmp_admission=7
  integration.test_record_api=7
  integration.test_https=6
  integration.test_malformed_input=5
  integration.media=5)

# Modules registered as one test per class (integration.MODULE.CLASS).
set(COURTCAST_SPLIT_BY_CLASS test_program)

# Integration tests that keep a core busy: an encoder making air in real
# time (its frame rate is checked), 200 viewers' questions in a minute, a
# live session's logins and air (12 s of CPU in its 17 s).
set(COURTCAST_CPU_HEAVY_TESTS
  integration.test_air_encoder
  integration.test_air_graphics
  integration.test_air_slate
  integration.test_export_parts
  integration.test_question_flood
  integration.test_sessions)

# Sets COST and RESOURCE_LOCK of those tests of the calling directory that are
# listed above (set_tests_properties reaches only the current directory's).
function(courtcast_test_schedule)
  foreach(entry IN LISTS COURTCAST_TEST_COSTS)
    string(REPLACE "=" ";" pair "${entry}")
    list(GET pair 0 name)
    list(GET pair 1 cost)
    if(TEST ${name})
      set_tests_properties(${name} PROPERTIES COST ${cost})
    endif()
  endforeach()
  foreach(name IN LISTS COURTCAST_CPU_HEAVY_TESTS)
    if(TEST ${name})
      set_tests_properties(${name} PROPERTIES RESOURCE_LOCK cpu_heavy)
    endif()
  endforeach()
endfunction()
