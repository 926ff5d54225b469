# Custos pages — English. Every key here must also exist in zh-CN/main.ftl (a test checks).

## Chrome
skip-to-content = Skip to content
nav-label = Main
nav-customers = Customers
language-label = Language
signed-in-as = Signed in as
sign-out = Sign out

## Sign-in
login-title = Sign in
login-heading = Sign in to Custos
login-intro = Use the e-mail address and password of your Custos account.
login-email = E-mail
login-password = Password
login-submit = Sign in
login-failed = Wrong e-mail or password.

## Customer list
customers-title = Customers
customer-new = New customer
filter-label = Find customers
filter-search = Search by name
filter-search-placeholder = Name contains…
filter-tag = Tag
filter-sort = Sort by
filter-apply = Apply
filter-any-status = Any status
list-empty = No customers yet.
list-empty-filtered = No customer matches these filters.
list-shown = { $count ->
    [one] { $shown } customer on this page
   *[other] { $shown } customers on this page
}
col-updated = Updated
pager-label = Pages
pager-first = First page
pager-next = Next page
sort-desc-updated-at = Recently updated
sort-updated-at = Least recently updated
sort-name = Name A–Z
sort-desc-name = Name Z–A
sort-desc-created-at = Newest
sort-created-at = Oldest

## Values
status-lead = Lead
status-prospect = Prospect
status-customer = Customer
status-churned = Churned
kind-organization = Organisation
kind-person = Person

## Fields
field-name = Name
field-kind = Type
field-status = Status
field-industry = Industry
field-tier = Tier
field-tags = Tags
field-source = Source
field-email = E-mail
field-mobile = Mobile
field-phone = Phone
field-address = Address
field-birthday = Birthday
field-national_id = Resident ID number
field-bank_account = Bank card number
field-notes = Notes
field-title = Job title
hint-tags = Separate tags with commas.
hint-mobile = Mainland China (13812345678) or international with + and country code.
hint-date = YYYY-MM-DD
hint-national-id = 18 characters: 17 digits and a digit or X.
hint-bank-account = 12 to 19 digits.

## Forms
form-section-basics = Basics
form-section-contact = Contact details
form-section-identity = Identity and payment
form-section-notes = Notes
form-has-errors = Please correct the fields below.
form-save = Save
form-cancel = Cancel

## Customer page
customer-title = Customer
customer-new-title = New customer
customer-edit-title = Edit customer
customer-edit = Edit
customer-details = Details
customer-no-details = No further details.
customer-meta = Created { $created } · updated { $updated } · version { $version }
customer-stale = Someone else changed this customer after you opened the form. Your values are still below: saving again replaces their changes; cancel to see the current version.
contacts-title = Contacts
contacts-empty = No contacts yet.
contact-add = Add a contact
contact-save = Add contact

## Validation messages, by error code
err-required = Required.
err-too-long = Too long: at most { $max } characters.
err-too-many = Too many: at most { $max }.
err-control-character = Must not contain control characters.
err-invalid = Not valid (a tag must not contain a comma).
err-invalid-email = Enter an e-mail address like name@example.com.
err-invalid-mobile = Enter a mainland China mobile (11 digits) or an international number starting with + and the country code.
err-invalid-phone = Use only digits, spaces, dashes, parentheses and an optional leading +.
err-invalid-bank-card = Enter a bank card number of 12 to 19 digits with a valid check digit.
err-invalid-national-id = Enter a valid 18-character resident ID number.
err-invalid-date = Enter a date as YYYY-MM-DD.
err-out-of-range = Out of range.
err-invalid-choice = Choose one of the options.
err-invalid-id = Not a valid id.
err-unknown = Does not exist.

## Error pages
error-home = Back to the start page
error-bad-request = Bad request
error-bad-request-detail = The page could not understand what was sent.
error-too-large = Too large
error-too-large-detail = What was sent is larger than Custos accepts.
error-csrf = Request refused
error-csrf-detail = The form was too old or did not come from this site. Go back, reload the page and try again.
error-not-found = Not found
error-not-found-detail = This record does not exist, or it was deleted.
error-forbidden = Not allowed
error-forbidden-detail = Your role does not allow this.
error-stale = Changed meanwhile
error-stale-detail = Someone else changed this record. Reload it and try again.
error-busy = Busy
error-busy-detail = Custos is busy. Try again in a moment.
error-signed-out = Signed out
error-signed-out-detail = Your session has ended. Please sign in again.
error-conflict = Conflict
error-conflict-detail = This conflicts with a record that already exists.
error-internal = Something went wrong
error-internal-detail = Custos could not complete this. The error was logged; try again later.
error-erased = Erased
error-erased-detail = This record was erased and can no longer be read.
error-too-many = Too many attempts
error-too-many-detail = Too many attempts. Wait a few minutes, then try again.

## Navigation (access control)
nav-profile = My profile
nav-users = Users
nav-teams = Teams
nav-roles = Roles

## Second factor at sign-in
login-pending-expired = Your sign-in took too long or was interrupted. Please sign in again.
mfa-title = Two-step verification
mfa-heading = Enter your code
mfa-intro = Open your authenticator app and enter the 6-digit code shown for Custos.
mfa-code = Authentication code
mfa-code-hint = 6 digits from your authenticator app, or one of your recovery codes.
mfa-submit = Verify
mfa-start-over = Start over
mfa-wrong-code = That code is wrong, expired or already used.
enrol-title = Set up an authenticator
enrol-heading = Set up an authenticator app
enrol-required = Your role requires two-step verification. Set it up to continue.
enrol-step-scan = Scan this QR code with an authenticator app (such as Google Authenticator, Microsoft Authenticator or FreeOTP).
enrol-qr-alt = QR code for your authenticator app
enrol-secret-label = Cannot scan? Enter this key:
enrol-step-code = Enter the 6-digit code the app shows.
enrol-retry = The code did not match. Wait for the next code in your app and enter it.
enrol-submit = Confirm
enrol-restart = Start again with a new QR code
recovery-title = Recovery codes
recovery-heading = Save your recovery codes
recovery-intro = If you lose your phone, each of these codes signs you in once instead of the app.
recovery-once = They are shown only now. Store them somewhere safe, such as a password manager.
recovery-continue = I have saved them

## Reveal and step-up
reveal-button = Reveal…
reveal-masked = masked
reveal-intro = Masked values are shown in full only for a stated reason. Each reveal is recorded.
reveal-fields = Fields to reveal
reveal-purpose = Purpose
reveal-purpose-hint = Why you need the full values, in 10 to 500 characters (for example, the ticket number).
reveal-submit = Reveal
reveal-done = Shown on this page only. The reveal and its purpose were recorded.
reveal-hide = Hide again
reveal-empty = (empty)
reveal-forbidden = Your role may not reveal these fields.
reveal-too-many = You have revealed too many fields in the last hour. Try again later.
step-up-title = Confirm it is you
step-up-intro = This action needs a fresh check of your second factor. Enter the code, then repeat the action.
step-up-reveal = These fields need a fresh check of your second factor. Enter the code from your authenticator app.
step-up-submit = Confirm
step-up-no-mfa = This needs two-step verification, which you have not set up. Set it up in your profile first.
error-step-up = Confirmation needed
error-step-up-detail = This action needs a fresh check of your second factor.

## My profile
profile-title = My profile
profile-heading = My profile
profile-mfa = Two-step verification
profile-mfa-on = On
profile-mfa-on-detail = Signing in needs a code from your authenticator app.
profile-mfa-off = Off
profile-mfa-off-detail = Protect your account with a code from an authenticator app.
profile-mfa-set-up = Set up authenticator
profile-mfa-new-codes = New recovery codes
profile-mfa-remove = Remove authenticator
profile-password = Password
password-current = Current password
password-new = New password
password-confirm = Repeat the new password
password-hint = At least 12 characters. A passphrase of several words is easy to remember.
password-submit = Change password
password-mismatch = The two new passwords differ.
profile-sessions = Where you are signed in
session-client = Device
session-ip = Address
session-started = Signed in
session-last-seen = Last active
session-actions = Actions
session-current = This device
session-pending = Waiting for code
session-end = Sign out there
profile-tokens = API tokens
token-none = You have no API tokens.
token-name = Name
token-scopes = Permissions
token-scopes-hint = None chosen: all permissions of your role.
token-expires = Expires
token-last-used = Last used
token-never = Never
token-unused = Not used yet
token-all-scopes = All of your role's
token-revoke = Revoke
token-new = Create an API token
token-create = Create token
token-created = Your new token is shown only now. Copy it into your client's settings:
token-30-days = In 30 days
token-90-days = In 90 days
token-365-days = In a year
notice-password-changed = Your password was changed. You were signed out everywhere else.
notice-session-ended = That session was ended.
notice-token-revoked = The token was revoked.
notice-mfa-removed = The authenticator was removed.

## Administration
admin-users-title = Users
admin-roles-title = Roles
admin-teams-title = Teams
admin-roles-intro = Changes apply at once: members of a changed role are signed out. Saving needs a fresh second-factor check.
admin-user = User
admin-role = Role
admin-team = Team
admin-active = Active
admin-disabled = Disabled
admin-no-team = No team
admin-revoke-access = End all sessions and tokens
admin-access-revoked = Access revoked: { $sessions } sessions and { $tokens } tokens ended.
admin-add-user = Add user
admin-initial-password = Initial password
admin-permissions = Permissions
admin-scope = Records visible
admin-confidential = Confidential fields
admin-restricted = Restricted fields (ID and bank card)
admin-require-mfa = Members must use two-step verification
admin-ip-allow = Allowed networks
admin-ip-allow-hint = One range per line, like 10.0.0.0/8; empty allows any address.
admin-role-saved = The role was saved.
admin-manager = Manager
admin-set-manager = Change manager
admin-no-manager = No manager
admin-no-teams = No teams yet.
admin-add-team = Add team
role-admin = Administrator
role-sales_manager = Sales manager
role-sales_rep = Sales representative
role-support = Support
role-marketing = Marketing
role-auditor = Auditor
role-security_officer = Security officer
role-dpo = Data protection officer
scope-own = Own and shared
scope-team = Their team's
scope-all = All
right-hidden = Hidden
right-masked = Masked
right-revealable = Masked, revealable with a purpose
right-plain = Shown in full
