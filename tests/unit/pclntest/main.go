// pclntest is a small program whose only job is to have interesting pcln
// tables: inlined calls (several levels deep), generics, closures, methods
// on value and pointer receivers, and a deferred call.  test_pcln.sh builds
// it with each Go toolchain and compares pclndump against go tool addr2line.
//
// Run as "pclntest -oracle" it is also the runtime oracle: for each pc read
// from stdin (of this very executable, which is not position independent)
// it prints the frames runtime.CallersFrames gives for that pc, innermost
// first, each as "\tNAME\tFILE:LINE", after a line "pc=0x..".  From Go 1.23
// on CallersFrames expands the whole inline chain of one pc; earlier it
// gives only the innermost frame.
package main

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

type shape interface {
	area() float64
}

type rect struct{ w, h float64 }

func (r rect) area() float64 { return r.w * r.h }

type circle struct{ r float64 }

func (c *circle) area() float64 { return 3 * c.r * c.r }

type number interface {
	~int | ~int64 | ~float64
}

func sum[T number](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

type stack[T any] struct{ items []T }

func (s *stack[T]) push(x T) { s.items = append(s.items, x) }

func (s *stack[T]) pop() (T, bool) {
	var zero T
	if len(s.items) == 0 {
		return zero, false
	}
	x := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return x, true
}

func leaf(x int) int { return x*3 + 1 }

func middle(x int) int { return leaf(x) + leaf(x+1) }

func outer(x int) int { return middle(x) * 2 }

//go:noinline
func notInlined(x int) int {
	if x > 10 {
		return outer(x - 1)
	}
	return outer(x + 1)
}

func makeCounter() func() int {
	n := 0
	return func() int {
		n++
		return n
	}
}

func withDefer(s string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprint("recovered: ", r)
		}
	}()
	if strings.HasPrefix(s, "panic") {
		panic(s)
	}
	return strings.ToUpper(s)
}

//go:noinline
func sumNoInline[T number](xs []T) T {
	return sum(xs) + sum(xs[1:])
}

type pair[K comparable, V any] struct {
	k K
	v V
}

//go:noinline
func (p pair[K, V]) String() string { return fmt.Sprint(p.k, "=", p.v) }

type walker struct{ depth int }

func (w *walker) step(n int) int {
	if n <= 0 {
		return w.depth
	}
	w.depth++
	return outer(n)
}

//go:noinline
func (w *walker) run(n int) int {
	f := func(k int) int { return w.step(k) + middle(k) }
	g := func() int {
		total := 0
		for i := 0; i < n; i++ {
			total += f(i)
		}
		return total
	}
	return g()
}

//go:noinline
func oracleSentinel() {}

// oracle prints what the runtime itself says about each pc on stdin.
func oracle() {
	sentinel := reflect.ValueOf(oracleSentinel).Pointer()
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		pc, err := strconv.ParseUint(line, 0, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "oracle: bad pc", line)
			os.Exit(2)
		}
		fmt.Fprintf(out, "pc=%#x\n", pc)
		// A return address one past pc makes CallersFrames look at pc;
		// the trailing sentinel lets it expand every inline level of pc
		// (it only does so when another pc follows) and is dropped.
		frames := runtime.CallersFrames([]uintptr{uintptr(pc) + 1, sentinel + 1})
		var got []runtime.Frame
		for {
			fr, more := frames.Next()
			got = append(got, fr)
			if !more {
				break
			}
		}
		if n := len(got); n > 0 && got[n-1].Function == "main.oracleSentinel" {
			got = got[:n-1]
		}
		for _, fr := range got {
			file := fr.File
			if file == "" {
				file = "?"
			}
			fmt.Fprintf(out, "\t%s\t%s:%d\n", fr.Function, file, fr.Line)
		}
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-oracle" {
		oracle()
		return
	}
	var w walker
	fmt.Println(sumNoInline([]int{4, 5, 6}), sumNoInline([]float64{0.5, 1}),
		pair[string, int]{"a", 1}.String(), pair[int, []byte]{2, nil}.String(), w.run(3))
	shapes := []shape{rect{2, 3}, &circle{1}}
	total := 0.0
	for _, s := range shapes {
		total += s.area()
	}
	var st stack[string]
	st.push("a")
	st.push("b")
	top, _ := st.pop()
	var si stack[int]
	si.push(notInlined(len(os.Args)))
	v, _ := si.pop()
	c := makeCounter()
	c()
	fmt.Println(total, sum([]int{1, 2, 3}), sum([]float64{1.5, 2.5}), top, v, c(),
		outer(len(os.Args)), withDefer("x"), withDefer("panic now"))
}
