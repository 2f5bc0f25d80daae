# SPDX-License-Identifier: MIT
# tmux.sh - the helpers of the tests that drive the real `hotpath console`
# in a detached tmux session of a fixed size: keys with send-keys, the
# screen with capture-pane, every wait a bounded polling loop.  Sourced
# after tests/e2e/lib.sh (needs TMP and top_builddir); skips the test (77)
# when tmux is not installed.  The caller's EXIT trap runs tmux_kill.
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux not installed"; exit 77; }
H="$top_builddir/hotpath"
SOCK="$TMP/tmux.sock"
SCREEN="$TMP/screen"
# how long a wait polls at most, in tenths of a second (30 s: a loaded
# machine is slow, and only a failing wait takes that long)
WAIT_TENTHS=${WAIT_TENTHS:-300}

# tmux and the console in UTF-8, whatever the caller's locale
T() { LC_ALL=C.UTF-8 tmux -u -S "$SOCK" "$@"; }
# tmux_kill: ends the test's tmux server (and the consoles in it).
tmux_kill() { tmux -S "$SOCK" kill-server 2>/dev/null; }

# start NAME W H ARGS...: the console in a new session of W x H; its exit
# status goes to $TMP/NAME.exit and its stderr to $TMP/NAME.err when it
# ends.  ENVX: more VAR=value words for it; CONFIG: its hotpath.yaml
# (default none).
start() {
	name=$1 w=$2 h=$3
	shift 3
	T new-session -d -s "$name" -x "$w" -y "$h" \
		"LC_ALL=C.UTF-8 HOTPATH_PUB=off HOTPATH_QUERY=off ${ENVX:-} HOTPATH_CONFIG=${CONFIG:-/dev/null} \"$H\" console $* 2>\"$TMP/$name.err\"; echo \$? >\"$TMP/$name.exit\"; sleep 60"
}
# screen NAME: the pane's text into $SCREEN.
screen() { T capture-pane -p -t "$1" >"$SCREEN" 2>/dev/null; }
# wait_for NAME ERE: polls the screen until a line matches; on time out
# prints the last screen as TAP comments.
wait_for() {
	_i=0
	while [ $_i -lt "$WAIT_TENTHS" ]; do
		screen "$1"
		grep -qE -- "$2" "$SCREEN" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# screen of $1 while waiting for: $2" >&2
	sed 's/^/#   /' "$SCREEN" >&2
	return 1
}
# gone_for NAME ERE: polls until no line matches.
gone_for() {
	_i=0
	while [ $_i -lt "$WAIT_TENTHS" ]; do
		screen "$1"
		grep -qE -- "$2" "$SCREEN" || return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# screen of $1 while waiting for no: $2" >&2
	sed 's/^/#   /' "$SCREEN" >&2
	return 1
}
# exited NAME: polls for the console's exit status (started with start).
exited() {
	_i=0
	while [ $_i -lt "$WAIT_TENTHS" ]; do
		[ -s "$TMP/$1.exit" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# key NAME KEY...: keys as tmux send-keys names them (Enter, Escape, C-l).
key() {
	_k=$1
	shift
	T send-keys -t "$_k" "$@"
}
# colours NAME: lines with a colour: an SGR foreground or background other
# than the defaults (39, 49).
colours() { T capture-pane -e -p -t "$1" | grep -cE "$(printf '\033')\\[(3[0-7]|4[0-7]|38;|48;)"; }
