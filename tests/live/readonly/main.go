// Command readonly is the target of tests/readonly.py, which checks that
// gostuck -p never writes to a live process and always leaves it running.
// It fills a 1 MiB global region with a fixed pattern and never touches it
// again, parks 200 goroutines on a channel (work for gostuck), and bumps a
// heartbeat counter every millisecond. It prints the addresses the test
// reads through /proc/PID/mem ("region ADDR LEN", "heartbeat ADDR"), then
// "ready"; it exits on EOF on stdin. Standard library only; Go 1.19
// language level.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

var (
	region    = make([]byte, 1<<20)
	heartbeat uint64
	never     = make(chan int)
)

func parked() { <-never }

func main() {
	for i := range region {
		region[i] = byte(i*31 + 7)
	}
	for i := 0; i < 200; i++ {
		go parked()
	}
	go func() {
		for {
			atomic.AddUint64(&heartbeat, 1)
			time.Sleep(time.Millisecond)
		}
	}()
	for runtime.NumGoroutine() < 202 {
		time.Sleep(time.Millisecond)
	}
	fmt.Printf("region %#x %d\n", uintptr(unsafe.Pointer(&region[0])), len(region))
	fmt.Printf("heartbeat %#x\n", uintptr(unsafe.Pointer(&heartbeat)))
	fmt.Println("ready")
	buf := make([]byte, 64)
	for {
		if n, err := os.Stdin.Read(buf); err != nil || n == 0 {
			os.Exit(0)
		}
	}
}
