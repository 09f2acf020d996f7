//! The operator commands: `create-tenant` and `seed-demo`.

use app::server::{Settings, passwords};
use app::store::{NewTenant, Password, SeedUser, Store, TenantId};
use app::users::model::{NewUser, Profile, Status, UserType};
use app::users::rules::{validate_email, validate_name};

/// What `create-tenant` made: the first admin's sign-in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedTenant {
    pub tenant: String,
    pub admin_email: String,
    pub temporary_password: String,
}

/// The arguments of `create-tenant`.
#[derive(Debug, Clone, clap::Args)]
#[group(skip)]
pub struct CreateTenant {
    /// Workspace name used at sign-in: 2-63 lower-case letters, digits and '-'.
    #[arg(long)]
    pub slug: String,
    /// Display name of the organisation.
    #[arg(long)]
    pub name: String,
    /// Email of the first tenant admin.
    #[arg(long)]
    pub admin_email: String,
    /// First name of the first tenant admin.
    #[arg(long, default_value = "Tenant")]
    pub admin_first_name: String,
    /// Last name of the first tenant admin.
    #[arg(long, default_value = "Admin")]
    pub admin_last_name: String,
    /// The tenant's default IANA timezone.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
}

/// A workspace slug: 2–63 of a–z, 0–9 and '-', starting with a letter, not ending with '-'.
pub fn validate_slug(slug: &str) -> Result<String, String> {
    let ok = (2..=63).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && !slug.ends_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(slug.to_string())
    } else {
        Err(format!(
            "--slug {slug:?} is not a valid workspace name: use 2 to 63 lower-case letters, digits \
             and '-', starting with a letter"
        ))
    }
}

/// Creates a tenant with its default roles and first admin, whose temporary password is
/// returned (and stored only as a hash).
pub async fn create_tenant(
    store: &Store,
    settings: &Settings,
    args: &CreateTenant,
) -> Result<CreatedTenant, String> {
    let slug = validate_slug(&args.slug)?;
    let name = validate_name(&args.name).map_err(|m| format!("--name: {m}"))?;
    let email = validate_email(&args.admin_email).map_err(|m| format!("--admin-email: {m}"))?;
    let first =
        validate_name(&args.admin_first_name).map_err(|m| format!("--admin-first-name: {m}"))?;
    let last =
        validate_name(&args.admin_last_name).map_err(|m| format!("--admin-last-name: {m}"))?;
    if args.timezone.trim().is_empty() || args.timezone.len() > 64 {
        return Err("--timezone must be an IANA timezone name such as Europe/Berlin".into());
    }
    let password = passwords::temporary_password();
    let hash = passwords::hash_now(&password).map_err(|e| e.to_string())?;
    let admin = NewUser::named(first, last, email.clone(), UserType::TenantAdmin);
    let stored = Password {
        hash,
        temporary: true,
        expires_at: Some(expiry(settings)),
    };
    let tenant = NewTenant {
        slug: slug.clone(),
        name,
        default_timezone: args.timezone.clone(),
    };
    match store.create_tenant(&tenant, &admin, Some(&stored)).await {
        Ok(_) => Ok(CreatedTenant {
            tenant: slug,
            admin_email: email,
            temporary_password: password,
        }),
        Err(app::store::StoreError::Unique(app::store::UniqueField::TenantSlug)) => Err(format!(
            "a tenant with the workspace name {slug:?} already exists"
        )),
        Err(e) => Err(format!("cannot create the tenant: {e}")),
    }
}

fn expiry(settings: &Settings) -> i64 {
    app::store::now_ms() + settings.temporary_password_ttl.as_millis() as i64
}

/// The demo tenant's workspace name and admin.
pub const DEMO_SLUG: &str = "demo";
pub const DEMO_ADMIN: &str = "admin@demo.example";

/// How to sign in to the demo tenant, as `seed-demo` reports it.
#[derive(Debug, Clone)]
pub struct DemoSignIn {
    pub workspace: String,
    pub email: String,
    /// A fresh temporary password while the admin has not chosen one; `None` once they have.
    pub temporary_password: Option<String>,
    pub users_added: u64,
}

/// Makes sure the demo tenant exists with at least `users` users. Idempotent: a second run adds
/// nothing. While the demo admin still has a temporary password, a fresh one is issued each run,
/// so the sign-in printed always works.
pub async fn seed_demo(
    store: &Store,
    settings: &Settings,
    users: u64,
) -> Result<DemoSignIn, String> {
    let db = |e: app::store::StoreError| format!("seed-demo failed: {e}");
    let (tenant, password) = match store.tenant_by_slug(DEMO_SLUG).await.map_err(db)? {
        Some(t) => (t.id, None),
        None => {
            let created = create_tenant(
                store,
                settings,
                &CreateTenant {
                    slug: DEMO_SLUG.into(),
                    name: "Demo Org".into(),
                    admin_email: DEMO_ADMIN.into(),
                    admin_first_name: "Dana".into(),
                    admin_last_name: "Admin".into(),
                    timezone: "Europe/London".into(),
                },
            )
            .await?;
            let t = store
                .tenant_by_slug(DEMO_SLUG)
                .await
                .map_err(db)?
                .ok_or("demo tenant vanished")?;
            (t.id, Some(created.temporary_password))
        }
    };
    let password = match password {
        Some(p) => Some(p),
        None => reissue_if_temporary(store, settings, tenant).await?,
    };
    let have = store.tenant_counts(tenant).await.map_err(db)?.total as u64;
    let added = if have < users {
        let roles = role_ids(store, tenant).await.map_err(db)?;
        seed_range(store, tenant, have, users, |i| demo_user(i, &roles))
            .await
            .map_err(db)?
    } else {
        0
    };
    Ok(DemoSignIn {
        workspace: DEMO_SLUG.into(),
        email: DEMO_ADMIN.into(),
        temporary_password: password,
        users_added: added,
    })
}

/// Adds the users numbered `from..to`, made by `make`, to `tenant` in batches of 20,000;
/// returns how many went in (an email already there is skipped). Statistics are refreshed
/// whenever the table has doubled and at the end, so the foreign-key checks of later batches
/// keep their index plans (planned against an empty table, PostgreSQL scans it and the load
/// turns quadratic; after every batch the refresh cost half a second a time at a million).
pub async fn seed_range(
    store: &Store,
    tenant: TenantId,
    from: u64,
    to: u64,
    make: impl Fn(u64) -> SeedUser,
) -> Result<u64, app::store::StoreError> {
    let mut added = 0;
    let mut next = from;
    let mut analyzed_at = from;
    while next < to {
        let batch: Vec<SeedUser> = (next..to.min(next + 20_000)).map(&make).collect();
        next += batch.len() as u64;
        added += store.seed_users(tenant, &batch).await?;
        if next >= 2 * analyzed_at.max(10_000) || next >= to {
            store.analyze_users().await?;
            analyzed_at = next;
        }
    }
    Ok(added)
}

async fn reissue_if_temporary(
    store: &Store,
    settings: &Settings,
    tenant: TenantId,
) -> Result<Option<String>, String> {
    let db = |e: app::store::StoreError| format!("seed-demo failed: {e}");
    let Some(creds) = store.credentials(tenant, DEMO_ADMIN).await.map_err(db)? else {
        return Ok(None);
    };
    if creds.password.is_some_and(|p| !p.temporary) {
        return Ok(None);
    }
    let password = passwords::temporary_password();
    let hash = passwords::hash_now(&password).map_err(|e| e.to_string())?;
    store
        .set_password(
            tenant,
            None,
            creds.user_id,
            &hash,
            true,
            Some(expiry(settings)),
        )
        .await
        .map_err(db)?;
    Ok(Some(password))
}

const FIRST: &[&str] = &[
    "Ann",
    "José",
    "Mei",
    "Olivia",
    "Liam",
    "Noah",
    "Emma",
    "Ava",
    "Sophia",
    "Mateo",
    "Lucas",
    "Amara",
    "Chloé",
    "Søren",
    "Zoë",
    "Aarav",
    "Priya",
    "Hiroshi",
    "Yuki",
    "Fatima",
    "Omar",
    "Ingrid",
    "Björn",
    "Nia",
    "Kwame",
    "Lucía",
    "Diego",
    "Élodie",
    "François",
    "Anna",
    "Ivan",
    "Olga",
    "Wei",
    "Jin",
    "Sara",
    "David",
    "Grace",
    "Samuel",
    "Leila",
    "Tomás",
    "Aoife",
    "Seán",
    "Rahul",
    "Ananya",
    "Mohammed",
    "Aisha",
    "Kenji",
    "Hana",
    "Mateus",
    "Beatriz",
];
const LAST: &[&str] = &[
    "Lee",
    "Smith",
    "García",
    "Müller",
    "Rossi",
    "Dubois",
    "Nakamura",
    "Kim",
    "Patel",
    "Nguyen",
    "O'Brien",
    "Johansson",
    "Kowalski",
    "Novak",
    "Silva",
    "Santos",
    "Haddad",
    "Okafor",
    "Mensah",
    "Cohen",
    "Levi",
    "Ivanova",
    "Petrov",
    "Chen",
    "Wang",
    "Tanaka",
    "Sato",
    "Fernández",
    "López",
    "Martin",
    "Bernard",
    "Schmidt",
    "Fischer",
    "Jensen",
    "Larsen",
    "Murphy",
    "Kelly",
    "Walsh",
    "Singh",
    "Sharma",
    "Khan",
    "Ali",
    "Yilmaz",
    "Demir",
    "Costa",
    "Ferreira",
    "Brown",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
];
const DOMAINS: &[&str] = &["demo.example", "sales.demo.example", "support.demo.example"];
const TIMEZONES: &[&str] = &[
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
];

/// A deterministic pseudo-random number for demo row `i` and stream `k` (splitmix64).
fn mix(i: u64, k: u64) -> u64 {
    let mut z = i
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(k.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The ids of a tenant's roles, for generated users.
pub async fn role_ids(store: &Store, tenant: TenantId) -> Result<Vec<i64>, app::store::StoreError> {
    Ok(store
        .role_ids(tenant)
        .await?
        .into_iter()
        .map(|r| r.0)
        .collect())
}

/// Demo user number `i`: varied names, types, roles, statuses and last logins; no password
/// (an admin's "Reset password" gives them one).
pub fn demo_user(i: u64, roles: &[i64]) -> SeedUser {
    let pick = |k: u64, n: usize| (mix(i, k) % n as u64) as usize;
    let first = FIRST[pick(1, FIRST.len())];
    let last = LAST[pick(2, LAST.len())];
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'á' | 'à' => Some('a'),
                'é' | 'É' | 'è' => Some('e'),
                'í' => Some('i'),
                'ó' | 'ø' | 'ö' => Some('o'),
                'ú' | 'ü' => Some('u'),
                'ç' => Some('c'),
                'ë' => Some('e'),
                '\'' => None,
                c => Some(c.to_ascii_lowercase()),
            })
            .collect()
    };
    let email = format!(
        "{}.{}{}@{}",
        ascii(first),
        ascii(last),
        i,
        DOMAINS[pick(3, DOMAINS.len())]
    );
    // Mostly agents and supervisors, as in a contact centre; a few admins.
    let user_type = match mix(i, 4) % 100 {
        0..=2 => UserType::TenantAdmin,
        3..=10 => UserType::BotAdmin,
        11..=25 => UserType::Supervisor,
        26..=75 => UserType::Agent,
        76..=88 => UserType::Analyst,
        _ => UserType::Viewer,
    };
    let status = if mix(i, 5) % 100 < 12 {
        Status::Suspended
    } else {
        Status::Active
    };
    let now = app::store::now_ms();
    let last_login_at = match mix(i, 6) % 10 {
        0 | 1 => None,
        _ => Some(now - (mix(i, 7) % (90 * 24 * 3600 * 1000)) as i64),
    };
    let role_count = (mix(i, 8) % 4) as usize;
    let mut role_ids: Vec<i64> = (0..role_count)
        .filter(|_| !roles.is_empty())
        .map(|k| roles[(mix(i, 10 + k as u64) % roles.len() as u64) as usize])
        .collect();
    role_ids.sort_unstable();
    role_ids.dedup();
    SeedUser {
        user: NewUser {
            profile: Profile {
                first_name: first.into(),
                last_name: last.into(),
                email,
                phone: mix(i, 9)
                    .is_multiple_of(3)
                    .then(|| format!("+1415555{:04}", i % 10_000)),
                external_id: mix(i, 11)
                    .is_multiple_of(4)
                    .then(|| format!("EMP-{:06}", i)),
                timezone: mix(i, 12)
                    .is_multiple_of(2)
                    .then(|| TIMEZONES[pick(13, TIMEZONES.len())].to_string()),
            },
            user_type,
            status,
            role_ids,
        },
        last_login_at,
        // Spread over the last two years, so "Created" sorts meaningfully.
        created_at: Some(now - (mix(i, 14) % (730 * 24 * 3600 * 1000)) as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(validate_slug("acme").is_ok());
        assert!(validate_slug("acme-2").is_ok());
        for bad in [
            "a",
            "Acme",
            "2acme",
            "acme-",
            "ac me",
            "acmé",
            &"a".repeat(64),
        ] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn demo_users_are_valid_and_varied() {
        let users: Vec<_> = (0..500).map(|i| demo_user(i, &[1, 2, 3])).collect();
        for u in &users {
            assert!(
                validate_email(&u.user.profile.email).is_ok(),
                "{}",
                u.user.profile.email
            );
        }
        let types: std::collections::HashSet<_> = users.iter().map(|u| u.user.user_type).collect();
        assert_eq!(types.len(), 6, "every user type appears");
        assert!(users.iter().any(|u| u.user.status == Status::Suspended));
        assert!(users.iter().any(|u| u.last_login_at.is_none()));
        assert!(users.iter().any(|u| u.user.role_ids.len() > 1));
    }
}
