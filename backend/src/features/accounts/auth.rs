//! Who may do what. A signed-in user is a [`Principal`]: the user and its grants, read from
//! `memberships` (seller, outlet staff, provincial officer) and `users.is_admin`. Every route
//! that acts for a seller, an outlet or a province asks [`Principal::can`] with the scope of
//! the thing it touches; the one policy table is [`allowed`].

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::entities::{membership, outlet, user};
use crate::domain::ids::{OutletId, SellerId, UserId};

/// A role held through a membership row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Seller,
    OutletStaff,
    Officer,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Seller => "seller",
            Self::OutletStaff => "outlet_staff",
            Self::Officer => "officer",
        }
    }
}

/// One thing a user may act for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A member of the seller organisation with this id.
    Seller(SellerId),
    /// Staff of this outlet, which belongs to `province`.
    OutletStaff {
        outlet_id: OutletId,
        province: String,
    },
    /// A provincial OCOP officer of this province.
    Officer(String),
    /// A programme administrator.
    Admin,
}

/// What a route wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read or change a seller's listings, stock, photos and orders.
    ManageSeller,
    /// Run an outlet: curate its products, record counter sales.
    OperateOutlet,
    /// Review seller applications, delist listings, suspend sellers.
    ReviewProvince,
    /// Create outlets, grant roles, import the registry.
    Administer,
}

/// The thing an action touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    Seller(SellerId),
    Outlet(OutletId),
    Province(&'a str),
    Platform,
}

/// The policy: whether `grants` allow `action` on `scope`. Administrators act as officers in
/// every province and run outlets, but never act for a seller (only its members do).
pub fn allowed(grants: &[Grant], action: Action, scope: &Scope<'_>) -> bool {
    grants.iter().any(|grant| match (grant, action, scope) {
        (Grant::Seller(id), Action::ManageSeller, Scope::Seller(want)) => id == want,
        (Grant::OutletStaff { outlet_id, .. }, Action::OperateOutlet, Scope::Outlet(want)) => {
            outlet_id == want
        }
        (Grant::Officer(code), Action::ReviewProvince, Scope::Province(want)) => code == want,
        (Grant::Admin, Action::ReviewProvince, Scope::Province(_))
        | (Grant::Admin, Action::OperateOutlet, Scope::Outlet(_))
        | (Grant::Admin, Action::Administer, Scope::Platform) => true,
        _ => false,
    })
}

/// A signed-in user with its grants.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: user::Model,
    pub grants: Vec<Grant>,
}

impl Principal {
    pub async fn load(db: &impl ConnectionTrait, user: user::Model) -> Result<Self, DbErr> {
        let rows = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user.id))
            .all(db)
            .await?;
        let outlet_ids: Vec<OutletId> = rows.iter().filter_map(|m| m.outlet_id).collect();
        let outlets = if outlet_ids.is_empty() {
            Vec::new()
        } else {
            outlet::Entity::find()
                .filter(outlet::Column::Id.is_in(outlet_ids))
                .all(db)
                .await?
        };
        let mut grants: Vec<Grant> = rows
            .iter()
            .filter_map(|m| match (m.role.as_str(), m.seller_id, m.outlet_id) {
                ("seller", Some(id), _) => Some(Grant::Seller(id)),
                ("outlet_staff", _, Some(id)) => {
                    outlets
                        .iter()
                        .find(|o| o.id == id)
                        .map(|o| Grant::OutletStaff {
                            outlet_id: id,
                            province: o.province_code.clone(),
                        })
                }
                ("officer", _, _) => m.province_code.clone().map(Grant::Officer),
                _ => None,
            })
            .collect();
        if user.is_admin {
            grants.push(Grant::Admin);
        }
        Ok(Self { user, grants })
    }

    pub fn can(&self, action: Action, scope: &Scope<'_>) -> bool {
        allowed(&self.grants, action, scope)
    }

    /// The sellers this user is a member of.
    pub fn seller_ids(&self) -> Vec<SellerId> {
        self.grants
            .iter()
            .filter_map(|g| match g {
                Grant::Seller(id) => Some(*id),
                _ => None,
            })
            .collect()
    }

    /// The provinces this user reviews; `None` means every province (an administrator).
    pub fn reviewed_provinces(&self) -> Option<Vec<String>> {
        if self.is_admin() {
            return None;
        }
        Some(
            self.grants
                .iter()
                .filter_map(|g| match g {
                    Grant::Officer(code) => Some(code.clone()),
                    _ => None,
                })
                .collect(),
        )
    }

    pub fn is_admin(&self) -> bool {
        self.grants.contains(&Grant::Admin)
    }

    pub fn is_officer(&self) -> bool {
        self.is_admin() || self.grants.iter().any(|g| matches!(g, Grant::Officer(_)))
    }
}

/// Adds a membership unless the user already has it; returns whether one was added.
pub async fn grant(
    db: &impl ConnectionTrait,
    user_id: UserId,
    role: Role,
    seller_id: Option<SellerId>,
    outlet_id: Option<OutletId>,
    province_code: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DbErr> {
    use sea_orm::{ActiveModelTrait, Set};
    let existing = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::Role.eq(role.as_str()))
        .all(db)
        .await?;
    let same = existing.iter().any(|m| {
        m.seller_id == seller_id
            && m.outlet_id == outlet_id
            && m.province_code.as_deref() == province_code
    });
    if same {
        return Ok(false);
    }
    membership::ActiveModel {
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        seller_id: Set(seller_id),
        outlet_id: Set(outlet_id),
        province_code: Set(province_code.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// A role the command line grants (administrators and officers are appointed, not applied for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appointment {
    Admin,
    Officer { province: String },
    OutletStaff { outlet_slug: String },
}

#[derive(Debug, thiserror::Error)]
pub enum AppointmentError {
    #[error("no account has the e-mail {0}; the person must sign up first")]
    NoSuchUser(String),
    #[error("no province has the code or name {0:?}")]
    NoSuchProvince(String),
    #[error("no outlet has the slug {0:?}")]
    NoSuchOutlet(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Gives the user with `email` a role, audited as done by the command line. Returns false when
/// the user already had it.
pub async fn appoint(
    db: &sea_orm::DatabaseConnection,
    reference: &crate::domain::reference::Reference,
    email: &str,
    appointment: &Appointment,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppointmentError> {
    use sea_orm::{ActiveModelTrait, Set};
    let email = email.trim().to_lowercase();
    let txn = crate::db::begin_write(db).await?;
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?
        .ok_or_else(|| AppointmentError::NoSuchUser(email.clone()))?;
    let (added, what, province) = match appointment {
        Appointment::Admin => {
            let added = !user.is_admin;
            let mut admin: user::ActiveModel = user.clone().into();
            admin.is_admin = Set(true);
            admin.update(&txn).await?;
            (added, "administrator".to_owned(), None)
        }
        Appointment::Officer { province } => {
            let code = reference
                .resolve_province(province)
                .ok_or_else(|| AppointmentError::NoSuchProvince(province.clone()))?
                .code
                .clone();
            let added = grant(&txn, user.id, Role::Officer, None, None, Some(&code), now).await?;
            (added, format!("officer of {code}"), Some(code))
        }
        Appointment::OutletStaff { outlet_slug } => {
            let found = outlet::Entity::find()
                .filter(outlet::Column::Slug.eq(outlet_slug))
                .one(&txn)
                .await?
                .ok_or_else(|| AppointmentError::NoSuchOutlet(outlet_slug.clone()))?;
            let added = grant(
                &txn,
                user.id,
                Role::OutletStaff,
                None,
                Some(found.id),
                None,
                now,
            )
            .await?;
            (
                added,
                format!("staff of outlet {}", found.slug),
                Some(found.province_code),
            )
        }
    };
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            actor: None,
            action: "role.granted",
            subject_type: "user",
            subject_id: user.pid.to_string(),
            province_code: province.as_deref(),
            reason: Some(&format!("{what} (command line)")),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role against every kind of scope, in its own and in someone else's.
    #[test]
    fn the_role_and_scope_matrix() {
        let seller_a = [Grant::Seller(SellerId::new(1))];
        let staff_a = [Grant::OutletStaff {
            outlet_id: OutletId::new(10),
            province: "ha-noi".into(),
        }];
        let officer_hn = [Grant::Officer("ha-noi".into())];
        let admin = [Grant::Admin];
        let consumer: [Grant; 0] = [];
        use Action::*;
        let cases: [(&str, &[Grant], Action, Scope<'_>, bool); 24] = [
            (
                "seller, own seller",
                &seller_a,
                ManageSeller,
                Scope::Seller(SellerId::new(1)),
                true,
            ),
            (
                "seller, other seller",
                &seller_a,
                ManageSeller,
                Scope::Seller(SellerId::new(2)),
                false,
            ),
            (
                "seller, outlet",
                &seller_a,
                OperateOutlet,
                Scope::Outlet(OutletId::new(10)),
                false,
            ),
            (
                "seller, province",
                &seller_a,
                ReviewProvince,
                Scope::Province("ha-noi"),
                false,
            ),
            (
                "seller, platform",
                &seller_a,
                Administer,
                Scope::Platform,
                false,
            ),
            (
                "staff, own outlet",
                &staff_a,
                OperateOutlet,
                Scope::Outlet(OutletId::new(10)),
                true,
            ),
            (
                "staff, other outlet",
                &staff_a,
                OperateOutlet,
                Scope::Outlet(OutletId::new(11)),
                false,
            ),
            (
                "staff, seller",
                &staff_a,
                ManageSeller,
                Scope::Seller(SellerId::new(1)),
                false,
            ),
            (
                "staff, own province",
                &staff_a,
                ReviewProvince,
                Scope::Province("ha-noi"),
                false,
            ),
            (
                "staff, platform",
                &staff_a,
                Administer,
                Scope::Platform,
                false,
            ),
            (
                "officer, own province",
                &officer_hn,
                ReviewProvince,
                Scope::Province("ha-noi"),
                true,
            ),
            (
                "officer, other province",
                &officer_hn,
                ReviewProvince,
                Scope::Province("hue"),
                false,
            ),
            (
                "officer, seller",
                &officer_hn,
                ManageSeller,
                Scope::Seller(SellerId::new(1)),
                false,
            ),
            (
                "officer, outlet",
                &officer_hn,
                OperateOutlet,
                Scope::Outlet(OutletId::new(10)),
                false,
            ),
            (
                "officer, platform",
                &officer_hn,
                Administer,
                Scope::Platform,
                false,
            ),
            (
                "admin, any province",
                &admin,
                ReviewProvince,
                Scope::Province("hue"),
                true,
            ),
            (
                "admin, any outlet",
                &admin,
                OperateOutlet,
                Scope::Outlet(OutletId::new(11)),
                true,
            ),
            ("admin, platform", &admin, Administer, Scope::Platform, true),
            (
                "admin, a seller",
                &admin,
                ManageSeller,
                Scope::Seller(SellerId::new(1)),
                false,
            ),
            (
                "consumer, seller",
                &consumer,
                ManageSeller,
                Scope::Seller(SellerId::new(1)),
                false,
            ),
            (
                "consumer, outlet",
                &consumer,
                OperateOutlet,
                Scope::Outlet(OutletId::new(10)),
                false,
            ),
            (
                "consumer, province",
                &consumer,
                ReviewProvince,
                Scope::Province("ha-noi"),
                false,
            ),
            (
                "consumer, platform",
                &consumer,
                Administer,
                Scope::Platform,
                false,
            ),
            // An action paired with the wrong kind of scope is never allowed.
            (
                "seller, mismatched scope",
                &seller_a,
                ManageSeller,
                Scope::Outlet(OutletId::new(1)),
                false,
            ),
        ];
        for (name, grants, action, scope, expected) in cases {
            assert_eq!(allowed(grants, action, &scope), expected, "{name}");
        }
    }
}
