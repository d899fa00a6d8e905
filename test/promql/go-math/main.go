// Command go-math answers Go's math functions, the ones Prometheus's PromQL engine calls, for
// test/integration/gomath-go.test.ts. Stdin: records of three little-endian float64 (x, y, z).
// Arguments: function names. Stdout: for each name in order, one float64 per record, as bits.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

var unary = map[string]func(float64) float64{
	"exp": math.Exp, "log": math.Log, "log10": math.Log10, "log2": math.Log2, "log1p": math.Log1p,
	"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "asin": math.Asin, "acos": math.Acos, "atan": math.Atan,
	"sinh": math.Sinh, "cosh": math.Cosh, "tanh": math.Tanh, "asinh": math.Asinh, "acosh": math.Acosh,
	"atanh": math.Atanh, "sqrt": math.Sqrt, "floor": math.Floor, "ceil": math.Ceil,
	// As Prometheus's funcDeg and funcRad compute them.
	"deg": func(v float64) float64 { return v * (180 / math.Pi) },
	"rad": func(v float64) float64 { return v * (math.Pi / 180) },
}

var binaryFns = map[string]func(float64, float64) float64{
	"atan2": math.Atan2, "pow": math.Pow, "mod": math.Mod, "min": math.Min, "max": math.Max,
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil || len(in)%24 != 0 {
		fmt.Fprintln(os.Stderr, "go-math: stdin must hold records of three float64", err)
		os.Exit(2)
	}
	n := len(in) / 24
	arg := func(i, k int) float64 {
		return math.Float64frombits(binary.LittleEndian.Uint64(in[i*24+k*8:]))
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	var buf [8]byte
	for _, name := range os.Args[1:] {
		var f func(i int) float64
		if u, ok := unary[name]; ok {
			f = func(i int) float64 { return u(arg(i, 0)) }
		} else if b, ok := binaryFns[name]; ok {
			f = func(i int) float64 { return b(arg(i, 0), arg(i, 1)) }
		} else if name == "fma" {
			f = func(i int) float64 { return math.FMA(arg(i, 0), arg(i, 1), arg(i, 2)) }
		} else {
			fmt.Fprintln(os.Stderr, "go-math: unknown function", name)
			os.Exit(2)
		}
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(f(i)))
			out.Write(buf[:])
		}
	}
	out.Flush()
}
