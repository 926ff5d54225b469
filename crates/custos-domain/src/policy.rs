//! Roles by duty and the permissions each grants: pure functions, deny by default.
//! This is the rule table; the single enforcement point lives in custos-app.

use crate::sensitivity::Sensitivity;

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
    AccessReview,
    LeadRead,
    LeadWrite,
    LeadConvert,
    DealRead,
    DealWrite,
    DealDelete,
    ActivityRead,
    ActivityWrite,
    QuotaRead,
    QuotaManage,
    ReportRead,
    PipelineManage,
}

impl Permission {
    pub const ALL: [Permission; 26] = [
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
        Permission::AccessReview,
        Permission::LeadRead,
        Permission::LeadWrite,
        Permission::LeadConvert,
        Permission::DealRead,
        Permission::DealWrite,
        Permission::DealDelete,
        Permission::ActivityRead,
        Permission::ActivityWrite,
        Permission::QuotaRead,
        Permission::QuotaManage,
        Permission::ReportRead,
        Permission::PipelineManage,
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
            Permission::AccessReview => "access_review.manage",
            Permission::LeadRead => "lead.read",
            Permission::LeadWrite => "lead.write",
            Permission::LeadConvert => "lead.convert",
            Permission::DealRead => "deal.read",
            Permission::DealWrite => "deal.write",
            Permission::DealDelete => "deal.delete",
            Permission::ActivityRead => "activity.read",
            Permission::ActivityWrite => "activity.write",
            Permission::QuotaRead => "quota.read",
            Permission::QuotaManage => "quota.manage",
            Permission::ReportRead => "report.read",
            Permission::PipelineManage => "pipeline.manage",
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

    /// The permissions this role grants by default (the seed of the editable role table).
    /// Anything not listed is denied.
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
                AccessReview,
                LeadRead,
                LeadWrite,
                LeadConvert,
                DealRead,
                DealWrite,
                DealDelete,
                ActivityRead,
                ActivityWrite,
                QuotaRead,
                QuotaManage,
                ReportRead,
                PipelineManage,
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
                LeadRead,
                LeadWrite,
                LeadConvert,
                DealRead,
                DealWrite,
                DealDelete,
                ActivityRead,
                ActivityWrite,
                QuotaRead,
                QuotaManage,
                ReportRead,
            ],
            Role::SalesRep => &[
                CustomerRead,
                CustomerCreate,
                CustomerUpdate,
                FieldRevealConfidential,
                TokenIssue,
                LeadRead,
                LeadWrite,
                LeadConvert,
                DealRead,
                DealWrite,
                ActivityRead,
                ActivityWrite,
                QuotaRead,
                ReportRead,
            ],
            Role::Support => {
                &[CustomerRead, CustomerUpdate, FieldRevealConfidential, DealRead, ActivityRead, ActivityWrite]
            }
            Role::Marketing => &[CustomerRead, CustomerExport, LeadRead, LeadWrite, ReportRead],
            Role::Auditor => &[AuditRead, UserRead],
            Role::SecurityOfficer => &[AuditRead, UserRead, KeyManage, AccessReview],
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

    /// The default record scope of this role.
    pub fn default_scope(self) -> Scope {
        match self {
            Role::SalesRep => Scope::Own,
            Role::SalesManager => Scope::Team,
            _ => Scope::All,
        }
    }

    /// The default right on fields of a sensitivity class.
    pub fn default_field_right(self, class: Sensitivity) -> FieldRight {
        use FieldRight::*;
        match class {
            Sensitivity::Public | Sensitivity::Internal => Plain,
            Sensitivity::Confidential => match self {
                Role::Admin | Role::SalesManager | Role::SalesRep => Plain,
                Role::Support | Role::Marketing | Role::Dpo => Revealable,
                Role::Auditor | Role::SecurityOfficer => Hidden,
            },
            Sensitivity::Restricted => match self {
                Role::Admin | Role::SalesManager | Role::Dpo => Revealable,
                Role::SalesRep => Masked,
                Role::Support | Role::Marketing | Role::Auditor | Role::SecurityOfficer => Hidden,
            },
        }
    }

    /// The complete default settings of this role.
    pub fn defaults(self) -> RoleSettings {
        RoleSettings {
            role: self,
            permissions: self.permissions().to_vec(),
            scope: self.default_scope(),
            confidential: self.default_field_right(Sensitivity::Confidential),
            restricted: self.default_field_right(Sensitivity::Restricted),
            require_mfa: false,
            ip_allow: Vec::new(),
        }
    }
}

/// Which records a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Records the user owns or that were shared with them.
    Own,
    /// Records of the user's team (and their own).
    Team,
    /// Every record.
    All,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Own => "own",
            Scope::Team => "team",
            Scope::All => "all",
        }
    }
    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Own, Scope::Team, Scope::All].into_iter().find(|x| x.as_str() == s)
    }
}

/// What a role may see of a field class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldRight {
    /// Not shown at all.
    Hidden,
    /// Shown masked (a hint only), never revealed.
    Masked,
    /// Shown masked; the plain value is given by an explicit reveal with a stated purpose.
    Revealable,
    /// Shown as is.
    Plain,
}

impl FieldRight {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldRight::Hidden => "hidden",
            FieldRight::Masked => "masked",
            FieldRight::Revealable => "revealable",
            FieldRight::Plain => "plain",
        }
    }
    pub fn parse(s: &str) -> Option<FieldRight> {
        [FieldRight::Hidden, FieldRight::Masked, FieldRight::Revealable, FieldRight::Plain]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The editable settings of one role: its permissions, record scope, field rights per
/// class, whether its members must use MFA, and the networks they may connect from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSettings {
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub scope: Scope,
    pub confidential: FieldRight,
    pub restricted: FieldRight,
    pub require_mfa: bool,
    /// CIDR ranges, as text (validated where they are parsed); empty means any address.
    pub ip_allow: Vec<String>,
}

impl RoleSettings {
    pub fn grants(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// The right on a field of `class`, never more than the reveal permissions allow.
    pub fn field_right(&self, class: Sensitivity) -> FieldRight {
        match class {
            Sensitivity::Public | Sensitivity::Internal => FieldRight::Plain,
            Sensitivity::Confidential => self.confidential,
            Sensitivity::Restricted => self.restricted,
        }
    }

    /// The permission a reveal of `class` needs.
    pub fn reveal_permission(class: Sensitivity) -> Option<Permission> {
        match class {
            Sensitivity::Confidential => Some(Permission::FieldRevealConfidential),
            Sensitivity::Restricted => Some(Permission::FieldRevealRestricted),
            _ => None,
        }
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
