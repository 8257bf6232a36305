package observability

import (
	"context"

	"github.com/jarvis/jarvis-auth/application/auth"
)

// Observers forwards each event to every observer in order (the event log
// and the metrics, say). Nil entries are skipped. Like every auth.Observer,
// the members must not block.
type Observers []auth.Observer

// Observe implements auth.Observer.
func (obs Observers) Observe(ctx context.Context, e auth.Event) {
	for _, o := range obs {
		if o != nil {
			o.Observe(ctx, e)
		}
	}
}
