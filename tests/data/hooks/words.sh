#!/bin/sh
# Says T_ERR on standard error and T_OUT on standard output (printf %b),
# then, with T_KEY set, the line T_KEY of its standard input (sed: a
# number, or "der" for the base64 lines joined) on standard error; exits
# T_CODE (default 1).
printf '%b' "${T_OUT:-}"
printf '%b' "${T_ERR:-}" >&2
case ${T_KEY:-} in
der) grep -v -- ----- | tr -d '\n' >&2; echo >&2 ;;
?*) sed -n "${T_KEY}p" >&2 ;;
*) cat >/dev/null ;;
esac
exit "${T_CODE:-1}"
