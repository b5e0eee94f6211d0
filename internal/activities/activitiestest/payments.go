// Package activitiestest holds test doubles for the activities module's
// ports.
package activitiestest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zuju/zuju/internal/activities"
)

// Order statuses the fake knows.
const (
	StatusPending = activities.OrderPending
	StatusPaid    = "paid"
	StatusClosed  = "closed"
)

// ErrUnavailable is the failure a failing Payments returns by default.
var ErrUnavailable = errors.New("payments: unavailable")

// Payments is an in-memory activities.Payments: it records the orders it
// creates (idempotent on the request's key), can be made to fail, and can
// be told an order was paid.
type Payments struct {
	mu     sync.Mutex
	now    func() time.Time
	seq    int
	orders map[string]*entry
	byKey  map[string]string
	fail   error
}

type entry struct {
	order activities.Order
	req   activities.OrderRequest
}

var _ activities.Payments = (*Payments)(nil)

// NewPayments returns an empty fake whose orders are dated by now (nil: the wall clock).
func NewPayments(now func() time.Time) *Payments {
	if now == nil {
		now = time.Now
	}
	return &Payments{now: now, orders: map[string]*entry{}, byKey: map[string]string{}}
}

// Fail makes every later CreateOrder and CloseOrder return err (nil: work again).
func (p *Payments) Fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = err
}

// CreateOrder implements activities.Payments.
func (p *Payments) CreateOrder(_ context.Context, r activities.OrderRequest) (activities.Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return activities.Order{}, p.fail
	}
	if r.AmountFen <= 0 || r.SignupID == "" || r.UserID == "" {
		return activities.Order{}, fmt.Errorf("payments: bad order request %+v", r)
	}
	if no, ok := p.byKey[r.IdempotencyKey]; ok && r.IdempotencyKey != "" {
		return p.orders[no].order, nil
	}
	p.seq++
	no := fmt.Sprintf("T%06d", p.seq)
	o := activities.Order{No: no, AmountFen: r.AmountFen, Status: StatusPending, CreatedAt: p.now().UTC(), ExpiresAt: r.ExpiresAt}
	p.orders[no] = &entry{order: o, req: r}
	if r.IdempotencyKey != "" {
		p.byKey[r.IdempotencyKey] = no
	}
	return o, nil
}

// CloseOrder implements activities.Payments: a pending order is closed; a
// paid, closed or unknown one is left as it is.
func (p *Payments) CloseOrder(_ context.Context, orderNo string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	if e, ok := p.orders[orderNo]; ok && e.order.Status == StatusPending {
		e.order.Status = StatusClosed
	}
	return nil
}

// Pay marks a pending order paid at the fake's clock and returns the
// payment to hand to Service.ConfirmPayment.
func (p *Payments) Pay(orderNo string) (activities.Payment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.orders[orderNo]
	switch {
	case !ok:
		return activities.Payment{}, fmt.Errorf("payments: no order %s", orderNo)
	case e.order.Status != StatusPending:
		return activities.Payment{}, fmt.Errorf("payments: order %s is %s", orderNo, e.order.Status)
	}
	e.order.Status = StatusPaid
	return activities.Payment{SignupID: e.req.SignupID, OrderNo: orderNo, AmountFen: e.order.AmountFen, PaidAt: p.now().UTC()}, nil
}

// Order returns an order and the request that created it.
func (p *Payments) Order(orderNo string) (activities.Order, activities.OrderRequest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.orders[orderNo]
	if !ok {
		return activities.Order{}, activities.OrderRequest{}, false
	}
	return e.order, e.req, true
}

// Status is an order's status ("" when unknown).
func (p *Payments) Status(orderNo string) string {
	o, _, _ := p.Order(orderNo)
	return o.Status
}

// Orders counts the orders created.
func (p *Payments) Orders() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.orders)
}
