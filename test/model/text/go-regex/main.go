// Go's regexp as Prometheus uses it, for Braid's differential regex test
// (test/model/text/regex-go.test.ts): each input line is a JSON object
// {"p": pattern, "in": [values], "t": template, "raw": bool}; each output line has
// either {"err": the compile error} or {"m": per value, the submatches (null when
// no match, a null group when it took no part), "x": per value, the template
// expanded}. The pattern is anchored as Prometheus anchors relabel and PromQL
// regexes; with "raw" it is compiled as written and the answer is {"b": per value,
// MatchString, "r": per value, ReplaceAllString with the template}, as alert
// templates' match and reReplaceAll call them.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
)

type request struct {
	P   string   `json:"p"`
	In  []string `json:"in"`
	T   string   `json:"t"`
	Raw bool     `json:"raw"`
}

type answer struct {
	Err string      `json:"err,omitempty"`
	M   [][]*string `json:"m,omitempty"`
	X   []*string   `json:"x,omitempty"`
	B   []bool      `json:"b,omitempty"`
	R   []string    `json:"r,omitempty"`
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
	if req.Raw {
		return evaluateRaw(req)
	}
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

func evaluateRaw(req request) answer {
	re, err := regexp.Compile(req.P)
	if err != nil {
		return answer{Err: err.Error()}
	}
	a := answer{B: make([]bool, len(req.In)), R: make([]string, len(req.In))}
	for i, v := range req.In {
		a.B[i] = re.MatchString(v)
		a.R[i] = re.ReplaceAllString(v, req.T)
	}
	return a
}
