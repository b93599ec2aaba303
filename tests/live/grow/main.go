// Command grow is the --growth test's target: it parks five goroutines at
// one site (main.steady) and then keeps adding one goroutine every 20 ms at
// another (main.leak), so that between two snapshots one group grows and
// the other does not. It prints "ready" once the steady ones are parked,
// echoes what it reads on stdin, and exits on EOF. Standard library only; Go 1.19 language level.
package main

import (
	"os"
	"runtime"
	"time"
)

var (
	never  = make(chan int)
	leaked = make(chan int)
)

func steady() { <-never }

func leak() { leaked <- 1 }

func main() {
	for i := 0; i < 5; i++ {
		go steady()
	}
	for runtime.NumGoroutine() < 6 {
		time.Sleep(time.Millisecond)
	}
	go func() {
		for {
			go leak()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	os.Stdout.WriteString("ready\n")
	buf := make([]byte, 64)
	for {
		n, err := os.Stdin.Read(buf)
		if err != nil || n == 0 {
			os.Exit(0)
		}
		os.Stdout.Write(buf[:n]) // answer: the harness checks it runs on
	}
}
