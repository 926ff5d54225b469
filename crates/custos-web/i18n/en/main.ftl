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
login-needs-mfa = This account signs in with a second factor, which this sign-in page does not offer yet. Use the API or ask an administrator.

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
