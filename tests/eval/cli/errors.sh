#!/bin/sh
# Every mistake in the expressions or options is found before any output:
# exit status 2, nothing at all on stdout (not even a schema), and a
# message on stderr that names the place ("LINE:COL", the argument being
# the line; "--where 1:COL") and the fault. The input is text (its types
# inferred) or Arrow, with one column of each type.
set -u
. "$TOP_SRCDIR/tests/eval/cli/lib.sh"

printf 'a,b,host,flag,f32,blob\n1,2.5,x,true,1.5,zz\n' > in.csv
rec-cat --header --types f32:float32,blob:binary --out arrow < in.csv > in.arrow

# bad INPUT MESSAGE ARG...: eval-expr ARG... < INPUT must exit 2, write
# nothing to stdout and print MESSAGE (a fixed string) on stderr.
bad() {
	input=$1 msg=$2
	shift 2
	status=0
	eval-expr "$@" < "$input" > out 2> err || status=$?
	what="eval-expr $* < $input"
	if [ "$status" -ne 2 ]; then
		fail "$what: exit status $status, want 2 (stderr: $(cat err))"
	elif [ -s out ]; then
		fail "$what: $(wc -c < out) bytes on stdout, want none"
	elif ! grep -qF -e "$msg" err; then
		fail "$what: stderr lacks '$msg': $(cat err)"
	else
		ok "$what: $msg"
	fi
}

for input in in.csv in.arrow; do
	bad $input "eval-expr: 1:14: unknown column 'd'" 'y = a * 20 + d'
	bad $input "eval-expr: 2:5: unknown column 'q'" 'x = a' 'y = q'
	bad $input "eval-expr: 3:5: unknown column 'q'" 'x = a; y = x' 'z = q'
	bad $input "eval-expr: 2:5: unknown column 'q'" 'x = a
y = q'
	bad $input "eval-expr: --where 1:5: unknown column 'zz'" 'z = a' --where 'a + zz > 1'
	bad $input "eval-expr: 1:5: sin() takes 1 argument, got 2" 'z = sin(a, b)'
	bad $input "eval-expr: 1:5: unknown function 'nosuch'" 'z = nosuch(a)'
	bad $input "eval-expr: 1:5: cannot compare string column 'host' with number" 'z = host > 1'
	bad $input "eval-expr: 1:8: unexpected end of expression" 'z = a +'
	bad $input "eval-expr: 1:8: unexpected '*'" 'z = a +* 2'
	bad $input "eval-expr: 1:5: unexpected ')'" 'z = )'
	bad $input "eval-expr: 1:5: unclosed '('" 'z = (a + 1'
	bad $input "eval-expr: 1:13: unterminated string" 'z = host == "x'
	bad $input "eval-expr: 1:5: unterminated name" 'z = `a'
	bad $input "eval-expr: 1:1: expected 'name = expression'" 'a + 1'
	bad $input "eval-expr: 1:5: '~' needs a string on the left, got float64" 'z = b ~ "x"'
	bad $input "eval-expr: 1:12: '~' needs a string literal (the pattern) on the right" \
		'z = host ~ host'
	bad $input "eval-expr: 1:12: bad regex '(': missing closing parenthesis at offset 1" \
		'z = host ~ "("'
	bad $input "eval-expr: 1:5: '+' needs numbers, got string column 'host'" 'z = host + 1'
	bad $input "eval-expr: 1:6: '-' needs numbers, got string column 'host'" 'z = -host'
	bad $input "eval-expr: 1:14: 'and' needs bool operands, got int64" 'z = flag and 1'
	bad $input "eval-expr: 1:9: len() needs a string, got int64" 'z = len(a)'
	bad $input "eval-expr: 1:17: where() does not support strings" 'z = where(flag, host, host)'
	bad $input "eval-expr: 1:5: cannot assign a string literal to 'z'" 'z = "lit"'
	bad $input "eval-expr: 1:5: integer literal '99999999999999999999' out of range" \
		'z = 99999999999999999999'
	bad $input "eval-expr: --where 1:1: --where needs a bool expression, got int64" \
		--where 'a + 1'
	bad $input "eval-expr: --where 1:1: empty expression" --where ''
	bad $input "nothing to do" ' ; '
	bad $input "--keep: unknown column 'nope'" 'z = a' --keep z,nope
	bad $input "--drop: unknown column 'nope'" 'z = a' --drop nope
done
# only Arrow (or --types) makes a binary column
bad in.arrow "eval-expr: 1:5: binary column 'blob' cannot be used in expressions" 'z = blob'
bad in.arrow "eval-expr: 1:9: binary column 'blob' cannot be used in expressions" 'z = len(blob)'
bad in.csv "nothing to do" --out csv
bad in.csv "--drop and --keep exclude each other" 'z = a' --drop a --keep z
bad in.csv "try 'eval-expr --help'" 'z = a' --frobnicate
bad in.csv "--where given twice" --where 'a > 1' --where 'a < 3'
finish
