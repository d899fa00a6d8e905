// Go's regexp as Prometheus uses it, for Braid's differential regex test
// (test/model/text/regex-go.test.ts): each input line is a JSON object
// {"p": pattern, "in": [values], "t": template}; each output line has either
// {"err": the compile error} or {"m": per value, the submatches (null when no
// match, a null group when it took no part), "x": per value, the template expanded}.
// The pattern is anchored as Prometheus anchors relabel and PromQL regexes.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
)

type request struct {
	P  string   `json:"p"`
	In []string `json:"in"`
	T  string   `json:"t"`
}

type answer struct {
	Err string      `json:"err,omitempty"`
	M   [][]*string `json:"m,omitempty"`
	X   []*string   `json:"x,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			panic(err)
		}
		enc.Encode(evaluate(req))
	}
	out.Flush()
}

func evaluate(req request) answer {
	re, err := regexp.Compile("^(?s:" + req.P + ")$")
	if err != nil {
		return answer{Err: err.Error()}
	}
	a := answer{M: make([][]*string, len(req.In)), X: make([]*string, len(req.In))}
	for i, v := range req.In {
		idx := re.FindStringSubmatchIndex(v)
		if idx == nil {
			continue
		}
		groups := make([]*string, len(idx)/2)
		for g := range groups {
			if idx[2*g] >= 0 {
				s := v[idx[2*g]:idx[2*g+1]]
				groups[g] = &s
			}
		}
		a.M[i] = groups
		x := string(re.ExpandString(nil, req.T, v, idx))
		a.X[i] = &x
	}
	return a
}
