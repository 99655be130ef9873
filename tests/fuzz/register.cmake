# Included by the main build: runs each fuzzer of a separate clang build
# (COURTCAST_FUZZ_DIR) briefly. New inputs go to a fresh corpus directory in
# the build; the committed seeds (corpus/<target>/, which every target has)
# are read first so each run starts from inputs that reach deep.
set(COURTCAST_FUZZ_SECONDS 15 CACHE STRING "How long make test runs each fuzzer")
foreach(target fuzz_chunk fuzz_amf0 fuzz_flv fuzz_handshake fuzz_review fuzz_ts_demux
               fuzz_query fuzz_rtmp_url fuzz_srt_stream_id fuzz_court_json fuzz_card
               fuzz_config)
  set(corpus ${CMAKE_BINARY_DIR}/fuzz-corpus/${target})
  set(seeds ${CMAKE_CURRENT_LIST_DIR}/corpus/${target})
  file(MAKE_DIRECTORY ${corpus})
  # Without seeds a target can spend an hour short of its format's first
  # check (fuzz_handshake did: docs/reliability.md).
  if(NOT IS_DIRECTORY ${seeds})
    message(FATAL_ERROR "${target} has no committed seeds in ${seeds}")
  endif()
  # A fuzzer keeps a core busy: niced, so that the integration tests beside
  # it (FFmpeg in real time, timings checked to the second) come first, and
  # one at a time, so that one core stays for the rest, a browser test
  # included (tests/schedule.cmake). The COST starts them early.
  add_test(NAME fuzz.${target}
    COMMAND nice -n 10 ${COURTCAST_FUZZ_DIR}/tests/fuzz/${target}
            -max_total_time=${COURTCAST_FUZZ_SECONDS} -rss_limit_mb=2048 -print_final_stats=1
            ${corpus} ${seeds})
  set_tests_properties(fuzz.${target} PROPERTIES TIMEOUT 300 COST 500 RESOURCE_LOCK fuzz)
endforeach()
