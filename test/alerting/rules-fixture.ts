/** The rule file the evaluator tests run: a recording rule and an alert on it with for, keep_firing_for, labels and a templated annotation. */
export const RULES = `groups:
- name: g
  interval: 1m
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: Down
    expr: job:up:sum == 0
    for: 2m
    keep_firing_for: 1m
    labels: {severity: page}
    annotations: {summary: "{{ $labels.job }} is down"}
`;
