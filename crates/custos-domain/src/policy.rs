//! Roles by duty and the permissions each grants: pure functions, deny by default.
//! This is the rule table; the single enforcement point lives in custos-app.

/// A named action on a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    CustomerRead,
    CustomerCreate,
    CustomerUpdate,
    CustomerDelete,
    CustomerExport,
    FieldRevealConfidential,
    FieldRevealRestricted,
    UserRead,
    UserManage,
    RoleManage,
    TokenIssue,
    AuditRead,
    KeyManage,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::CustomerRead,
        Permission::CustomerCreate,
        Permission::CustomerUpdate,
        Permission::CustomerDelete,
        Permission::CustomerExport,
        Permission::FieldRevealConfidential,
        Permission::FieldRevealRestricted,
        Permission::UserRead,
        Permission::UserManage,
        Permission::RoleManage,
        Permission::TokenIssue,
        Permission::AuditRead,
        Permission::KeyManage,
    ];

    /// The stable identifier, e.g. `customer.read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::CustomerRead => "customer.read",
            Permission::CustomerCreate => "customer.create",
            Permission::CustomerUpdate => "customer.update",
            Permission::CustomerDelete => "customer.delete",
            Permission::CustomerExport => "customer.export",
            Permission::FieldRevealConfidential => "field.reveal.confidential",
            Permission::FieldRevealRestricted => "field.reveal.restricted",
            Permission::UserRead => "user.read",
            Permission::UserManage => "user.manage",
            Permission::RoleManage => "role.manage",
            Permission::TokenIssue => "token.issue",
            Permission::AuditRead => "audit.read",
            Permission::KeyManage => "key.manage",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Roles by duty. Identifiers are stable: operators' scripts use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    SalesManager,
    SalesRep,
    Support,
    Marketing,
    Auditor,
    SecurityOfficer,
    Dpo,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::SalesManager,
        Role::SalesRep,
        Role::Support,
        Role::Marketing,
        Role::Auditor,
        Role::SecurityOfficer,
        Role::Dpo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SalesManager => "sales_manager",
            Role::SalesRep => "sales_rep",
            Role::Support => "support",
            Role::Marketing => "marketing",
            Role::Auditor => "auditor",
            Role::SecurityOfficer => "security_officer",
            Role::Dpo => "dpo",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The permissions this role grants. Anything not listed is denied.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &[
                CustomerRead,
                CustomerCreate,
                CustomerUpdate,
                CustomerDelete,
                CustomerExport,
                FieldRevealConfidential,
                FieldRevealRestricted,
                UserRead,
                UserManage,
                RoleManage,
                TokenIssue,
                AuditRead,
                KeyManage,
            ],
            Role::SalesManager => &[
                CustomerRead,
                CustomerCreate,
                CustomerUpdate,
                CustomerDelete,
                CustomerExport,
                FieldRevealConfidential,
                UserRead,
                TokenIssue,
            ],
            Role::SalesRep => &[CustomerRead, CustomerCreate, CustomerUpdate, FieldRevealConfidential, TokenIssue],
            Role::Support => &[CustomerRead, CustomerUpdate, FieldRevealConfidential],
            Role::Marketing => &[CustomerRead, CustomerExport],
            Role::Auditor => &[AuditRead, UserRead],
            Role::SecurityOfficer => &[AuditRead, UserRead, KeyManage],
            Role::Dpo => &[
                CustomerRead,
                CustomerExport,
                CustomerDelete,
                FieldRevealConfidential,
                FieldRevealRestricted,
                AuditRead,
            ],
        }
    }

    pub fn grants(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn least_privilege_holds() {
        assert!(Role::Admin.grants(Permission::UserManage));
        assert!(!Role::SalesRep.grants(Permission::CustomerDelete));
        assert!(!Role::Auditor.grants(Permission::CustomerRead));
        assert!(!Role::SecurityOfficer.grants(Permission::CustomerRead));
        assert!(!Role::Marketing.grants(Permission::FieldRevealRestricted));
    }
}
