//! The completion rule, in one place: an order is a completed sale when it is delivered, or
//! paid and neither cancelled nor refunded. `orders.completed_at` dates it (the first moment it
//! became so) and the participant's first completed sale marks it as selling in modern trade;
//! both are written in the transaction of the change, by [`note_completion`]. Sell-through and
//! the indicator (`features::sales`) count with [`completed`].
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::statement;
use crate::domain::ids::OrderId;

/// The completion rule on the orders table aliased `alias`.
pub fn completed(alias: &str) -> String {
    format!(
        "({a}.state = 'delivered' OR ({a}.payment_state = 'paid' \
         AND {a}.state IN ('placed', 'confirmed', 'shipped')))",
        a = alias
    )
}

/// Marks the order completed if it just became so, and its participant as selling in modern
/// trade from then on if it was not already. Call it in the transaction of every change of an
/// order's state or payment; it does nothing otherwise.
pub async fn note_completion(
    db: &impl ConnectionTrait,
    order_id: OrderId,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let done = db
        .execute_raw(statement(
            backend,
            &format!(
                "UPDATE orders SET completed_at = ? WHERE id = ? AND completed_at IS NULL AND {}",
                completed("orders")
            ),
            vec![now.into(), order_id.into()],
        ))
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    db.execute_raw(statement(
        backend,
        "UPDATE registry_participants SET modern_trade_since = ? \
         WHERE id = (SELECT s.participant_id FROM sellers s JOIN orders o ON o.seller_id = s.id \
                     WHERE o.id = ?) \
           AND (modern_trade_since IS NULL OR modern_trade_since > ?)",
        vec![now.into(), order_id.into(), now.into()],
    ))
    .await?;
    Ok(true)
}
