package addon

import (
	"context"
	"errors"
	"sync"
)

// Parallel runs fns at once and returns the first error; the first
// failure cancels the others' context.
func Parallel(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for _, fn := range fns {
		wg.Go(func() {
			if err := fn(ctx); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	return first
}

func joinErrs(errs []error) error { return errors.Join(errs...) }
