# Stopping what a script started, and the rate limits scripts run the service with; sourced by scripts/run.sh,
# scripts/silo.sh, scripts/chaos.sh, scripts/check-deploy.sh and bench/lib/service.sh. Only pids we started, never by
# name (no pkill/killall): the host may run other instances.

# wait_gone PID SECONDS: true once PID has exited, false if it still runs after SECONDS.
wait_gone() {
  local pid=$1 tenths=$(( $2 * 10 ))
  for _ in $(seq 1 "$tenths"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null
}

# stop_gracefully SECONDS PID...: SIGTERM to all (silos then leave the cluster, the API drains), up to SECONDS for
# each to exit, then SIGKILL whatever is left.
stop_gracefully() {
  local seconds=$1 pid; shift
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    wait_gone "$pid" "$seconds" || kill -KILL "$pid" 2>/dev/null || true
  done
}

# Rate limits far above any load a script offers, as environment assignments for `env`: the limiters still run (their
# cost stays in what the bench measures), but no script's traffic from one address is throttled.
#   env $(rate_limits_far_above_load) scripts/run.sh ...
rate_limits_far_above_load() {
  echo Herenow__RateLimits__Writes__TokenLimit=1000000 Herenow__RateLimits__Writes__TokensPerPeriod=1000000 \
    Herenow__RateLimits__Anonymous__TokenLimit=1000000 Herenow__RateLimits__Anonymous__TokensPerPeriod=1000000 \
    Herenow__RateLimits__SignUp__PermitLimit=1000000 Herenow__RateLimits__Login__PermitLimit=1000000 \
    Herenow__RateLimits__Login__FailuresBeforeLockout=1000000
}
