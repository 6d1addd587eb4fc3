# Config layers as a user sees them: config show names the winning layer and source; bad YAML and
# wrong-typed values give one line and exit 4; secrets are redacted everywhere.
mkdir -p config
file config/base.yaml <<'YAML'
data:
  validation:
    policy: drop
  calendar: NYSE
data_sources:
  alpha_vantage:
    api_key: sk-live-123456
YAML
run config show
rc 0; out '^data\.validation\.policy +drop +yaml +config/base\.yaml:3'
out '^data_sources\.alpha_vantage\.api_key +\*\*\* +yaml'; no_out 'sk-live'
printf 'QUANTCLI_DATA__VALIDATION__POLICY=flag\n' > .env
run config show
out '^data\.validation\.policy +flag +dotenv +\.env:1'
step=$((step + 1)); QUANTCLI_DATA__VALIDATION__POLICY=reject "$Q" --db "$T/q.db" config show >"$OUT" 2>"$ERR"; RC=$?
out '^data\.validation\.policy +reject +env +env QUANTCLI_DATA__VALIDATION__POLICY'
run --db "$T/other.db" config show --json
rc 0; out '"key":[[:space:]]*"storage.url"'; out "other\.db"; out '"layer":[[:space:]]*"flag"'; no_out 'sk-live'
# a policy from config applies to imports (the YAML says drop once .env is gone)
rm .env
printf 'date,open,high,low,close,volume\n2024-01-02,1,2,0.5,1,1\n2024-01-03,1,0.5,2,1,1\n' > one_bad.csv
run data import one_bad.csv --symbol P
rc 0; out 'P +1 '
# wrong-typed value in each layer
step=$((step + 1)); QUANTCLI_DATA__VALIDATION__OUTLIER_Z=abc "$Q" --db "$T/q.db" config show >"$OUT" 2>"$ERR"; RC=$?
rc 4; err_lines 1; err 'QUANTCLI_DATA__VALIDATION__OUTLIER_Z.*outlier_z'
run --log-level loud config show
rc 4; err_lines 1; err 'log.level'
printf 'data:\n  validation: [unclosed\n' > config/zbroken.yaml
run config show
rc 4; err_lines 1; err 'config/zbroken\.yaml:[0-9]+:[0-9]+: YAML syntax error'
rm config/zbroken.yaml
run --config missing.yaml config show
rc 4; err_lines 1; err "missing.yaml"
# JSON logs on stderr, secrets redacted there too
run --log-level info --log-format json data import one_bad.csv --symbol P --policy drop
rc 0; err '"level":[[:space:]]*"info"'; err '"module":[[:space:]]*"data"'
