// Go's text/template as Prometheus configures it (missingkey=zero), for Braid's differential test
// (test/integration/templates-go.test.ts): reads a JSON array of {text, data} on stdin and writes a
// JSON array of outputs; an error is written as "PARSE: <message>" or "EXEC: <message>".
package main

import (
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type testCase struct {
	Text string      `json:"text"`
	Data interface{} `json:"data"`
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	res := make([]string, 0, len(cases))
	for _, c := range cases {
		t, err := template.New("t").Option("missingkey=zero").Parse(c.Text)
		if err != nil {
			res = append(res, "PARSE: "+err.Error())
			continue
		}
		var b strings.Builder
		if err := t.Execute(&b, c.Data); err != nil {
			res = append(res, "EXEC: "+err.Error())
			continue
		}
		res = append(res, b.String())
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		panic(err)
	}
}
