// Prometheus's own text parser (expfmt.TextParser) over a file, for
// bench/compare.sh: reads FILE once, parses it ITERATIONS times, prints
// "N MB/s". Built offline from Debian's golang-github-prometheus-common-dev.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/common/expfmt"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: parse FILE ITERATIONS")
		os.Exit(64)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(66)
	}
	n, _ := strconv.Atoi(os.Args[2])
	start := time.Now()
	for i := 0; i < n; i++ {
		var p expfmt.TextParser
		if _, err := p.TextToMetricFamilies(bytes.NewReader(data)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(65)
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("%.1f MB/s\n", float64(len(data))*float64(n)/secs/1e6)
}
