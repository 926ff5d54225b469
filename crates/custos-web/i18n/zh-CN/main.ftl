# Custos 页面 — 简体中文。每个键都必须在 en/main.ftl 中也存在（有测试检查）。

## 页面框架
skip-to-content = 跳到正文
nav-label = 主导航
nav-customers = 客户
language-label = 语言
signed-in-as = 当前登录
sign-out = 退出登录

## 登录
login-title = 登录
login-heading = 登录 Custos
login-intro = 请使用您的 Custos 账号邮箱和密码登录。
login-email = 邮箱
login-password = 密码
login-submit = 登录
login-failed = 邮箱或密码错误。

## 客户列表
customers-title = 客户
customer-new = 新建客户
filter-label = 查找客户
filter-search = 按名称搜索
filter-search-placeholder = 名称包含…
filter-tag = 标签
filter-sort = 排序
filter-apply = 应用
filter-any-status = 全部状态
list-empty = 还没有客户。
list-empty-filtered = 没有符合筛选条件的客户。
list-shown = { $count ->
   *[other] 本页 { $shown } 位客户
}
col-updated = 更新时间
pager-label = 分页
pager-first = 第一页
pager-next = 下一页
sort-desc-updated-at = 最近更新
sort-updated-at = 最早更新
sort-name = 名称 A–Z
sort-desc-name = 名称 Z–A
sort-desc-created-at = 最新创建
sort-created-at = 最早创建

## 取值
status-lead = 线索
status-prospect = 潜在客户
status-customer = 成交客户
status-churned = 已流失
kind-organization = 企业
kind-person = 个人

## 字段
field-name = 名称
field-kind = 类型
field-status = 状态
field-industry = 行业
field-tier = 级别
field-tags = 标签
field-source = 来源
field-email = 邮箱
field-mobile = 手机
field-phone = 电话
field-address = 地址
field-birthday = 生日
field-national_id = 居民身份证号
field-bank_account = 银行卡号
field-notes = 备注
field-title = 职务
hint-tags = 多个标签用逗号分隔。
hint-mobile = 中国大陆手机号（如 13812345678），或以 + 和国家代码开头的国际号码。
hint-date = 年-月-日，如 1990-05-20
hint-national-id = 18 位：17 位数字加一位数字或 X。
hint-bank-account = 12 至 19 位数字。

## 表单
form-section-basics = 基本信息
form-section-contact = 联系方式
form-section-identity = 身份与支付
form-section-notes = 备注
form-has-errors = 请更正以下字段。
form-save = 保存
form-cancel = 取消

## 客户详情
customer-title = 客户
customer-new-title = 新建客户
customer-edit-title = 编辑客户
customer-edit = 编辑
customer-details = 详细信息
customer-no-details = 暂无更多信息。
customer-meta = 创建于 { $created } · 更新于 { $updated } · 版本 { $version }
customer-stale = 在您打开表单后，其他人修改了此客户。您填写的内容仍保留在下方：再次保存将覆盖对方的修改；点击取消可查看最新版本。
contacts-title = 联系人
contacts-empty = 还没有联系人。
contact-add = 添加联系人
contact-save = 添加联系人

## 校验提示（按错误代码）
err-required = 必填。
err-too-long = 过长：最多 { $max } 个字符。
err-too-many = 过多：最多 { $max } 个。
err-control-character = 不能包含控制字符。
err-invalid = 无效（标签不能包含逗号）。
err-invalid-email = 请输入有效的邮箱地址，如 name@example.com。
err-invalid-mobile = 请输入中国大陆手机号（11 位），或以 + 和国家代码开头的国际号码。
err-invalid-phone = 只能包含数字、空格、短横线、括号，以及开头可选的 +。
err-invalid-bank-card = 请输入 12 至 19 位且校验位正确的银行卡号。
err-invalid-national-id = 请输入有效的 18 位居民身份证号。
err-invalid-date = 请按 年-月-日 格式输入日期。
err-out-of-range = 超出允许范围。
err-invalid-choice = 请从选项中选择。
err-invalid-id = 不是有效的编号。
err-unknown = 不存在。

## 错误页
error-home = 返回首页
error-bad-request = 请求无效
error-bad-request-detail = 无法识别提交的内容。
error-too-large = 内容过大
error-too-large-detail = 提交的内容超过了 Custos 允许的大小。
error-csrf = 请求被拒绝
error-csrf-detail = 表单已过期，或并非来自本站。请返回、刷新页面后重试。
error-not-found = 未找到
error-not-found-detail = 该记录不存在或已被删除。
error-forbidden = 无权操作
error-forbidden-detail = 您的角色不允许此操作。
error-stale = 记录已被修改
error-stale-detail = 其他人修改了此记录。请刷新后重试。
error-busy = 系统繁忙
error-busy-detail = Custos 正忙，请稍后再试。
error-signed-out = 已退出登录
error-signed-out-detail = 您的会话已结束，请重新登录。
error-conflict = 冲突
error-conflict-detail = 与已有记录冲突。
error-internal = 出错了
error-internal-detail = Custos 无法完成此操作。错误已记录，请稍后再试。
error-erased = 已擦除
error-erased-detail = 此记录已被擦除，无法再读取。
error-too-many = 尝试次数过多
error-too-many-detail = 尝试次数过多，请等待几分钟后再试。

## 导航（访问控制）
nav-profile = 个人资料
nav-users = 用户
nav-teams = 团队
nav-roles = 角色

## 登录第二步
login-pending-expired = 登录超时或被中断，请重新登录。
mfa-title = 两步验证
mfa-heading = 输入验证码
mfa-intro = 打开身份验证器应用，输入 Custos 的 6 位验证码。
mfa-code = 验证码
mfa-code-hint = 身份验证器应用中的 6 位数字，或一个恢复码。
mfa-submit = 验证
mfa-start-over = 重新登录
mfa-wrong-code = 验证码错误、已过期或已使用。
enrol-title = 设置身份验证器
enrol-heading = 设置身份验证器应用
enrol-required = 您的角色要求两步验证，请先完成设置。
enrol-step-scan = 用身份验证器应用（如 Google Authenticator、Microsoft Authenticator 或 FreeOTP）扫描此二维码。
enrol-qr-alt = 身份验证器应用的二维码
enrol-secret-label = 无法扫描？请输入此密钥：
enrol-step-code = 输入应用显示的 6 位验证码。
enrol-retry = 验证码不匹配。请等待应用中的下一个验证码后输入。
enrol-submit = 确认
enrol-restart = 使用新二维码重新开始
recovery-title = 恢复码
recovery-heading = 保存您的恢复码
recovery-intro = 如果手机丢失，每个恢复码可代替应用登录一次。
recovery-once = 恢复码只显示这一次，请妥善保存（例如密码管理器）。
recovery-continue = 我已保存

## 查看完整信息与再次验证
reveal-button = 查看完整信息…
reveal-masked = 已脱敏
reveal-intro = 脱敏信息须说明用途才能查看完整内容，每次查看都会被记录。
reveal-fields = 要查看的字段
reveal-purpose = 用途
reveal-purpose-hint = 说明为何需要完整信息，10 至 500 个字符（例如工单号）。
reveal-submit = 查看
reveal-done = 完整信息仅在本页显示，本次查看及用途已记录。
reveal-hide = 重新隐藏
reveal-empty = （空）
reveal-forbidden = 您的角色无权查看这些字段。
reveal-too-many = 您在过去一小时内查看次数过多，请稍后再试。
step-up-title = 确认身份
step-up-intro = 此操作需要重新验证第二因素。请输入验证码，然后重新执行操作。
step-up-reveal = 查看这些字段需要重新验证第二因素。请输入身份验证器应用中的验证码。
step-up-submit = 确认
step-up-no-mfa = 此操作需要两步验证，但您尚未设置。请先在个人资料中设置。
error-step-up = 需要确认身份
error-step-up-detail = 此操作需要重新验证第二因素。

## 个人资料
profile-title = 个人资料
profile-heading = 个人资料
profile-mfa = 两步验证
profile-mfa-on = 已开启
profile-mfa-on-detail = 登录时需要身份验证器应用中的验证码。
profile-mfa-off = 未开启
profile-mfa-off-detail = 使用身份验证器应用的验证码保护您的账号。
profile-mfa-set-up = 设置身份验证器
profile-mfa-new-codes = 生成新的恢复码
profile-mfa-remove = 移除身份验证器
profile-password = 密码
password-current = 当前密码
password-new = 新密码
password-confirm = 再次输入新密码
password-hint = 至少 12 个字符。由几个词组成的密码短语更容易记住。
password-submit = 修改密码
password-mismatch = 两次输入的新密码不一致。
profile-sessions = 登录设备
session-client = 设备
session-ip = 地址
session-started = 登录时间
session-last-seen = 最近活动
session-actions = 操作
session-current = 当前设备
session-pending = 等待验证码
session-end = 在该设备退出
profile-tokens = API 令牌
token-none = 您还没有 API 令牌。
token-name = 名称
token-scopes = 权限
token-scopes-hint = 不选择则拥有您角色的全部权限。
token-expires = 过期时间
token-last-used = 最近使用
token-never = 永不
token-unused = 尚未使用
token-all-scopes = 角色的全部权限
token-revoke = 吊销
token-new = 创建 API 令牌
token-create = 创建令牌
token-created = 新令牌只显示这一次，请复制到客户端设置中：
token-30-days = 30 天后
token-90-days = 90 天后
token-365-days = 一年后
notice-password-changed = 密码已修改，其他设备上的登录已退出。
notice-session-ended = 该会话已结束。
notice-token-revoked = 令牌已吊销。
notice-mfa-removed = 身份验证器已移除。

## 管理
admin-users-title = 用户
admin-roles-title = 角色
admin-teams-title = 团队
admin-roles-intro = 修改立即生效：被修改角色的成员将被退出登录。保存前需要重新验证第二因素。
admin-user = 用户
admin-role = 角色
admin-team = 团队
admin-active = 启用
admin-disabled = 停用
admin-no-team = 无团队
admin-revoke-access = 结束全部会话和令牌
admin-access-revoked = 已收回访问权限：结束了 { $sessions } 个会话和 { $tokens } 个令牌。
admin-add-user = 添加用户
admin-initial-password = 初始密码
admin-permissions = 权限
admin-scope = 可见记录
admin-confidential = 机密字段
admin-restricted = 受限字段（身份证号和银行卡号）
admin-require-mfa = 成员必须使用两步验证
admin-ip-allow = 允许的网络
admin-ip-allow-hint = 每行一个网段，例如 10.0.0.0/8；留空表示不限地址。
admin-role-saved = 角色已保存。
admin-manager = 负责人
admin-set-manager = 更换负责人
admin-no-manager = 无负责人
admin-no-teams = 还没有团队。
admin-add-team = 添加团队
role-admin = 管理员
role-sales_manager = 销售经理
role-sales_rep = 销售代表
role-support = 客服
role-marketing = 市场
role-auditor = 审计员
role-security_officer = 安全官
role-dpo = 数据保护官
scope-own = 本人及共享的
scope-team = 本团队的
scope-all = 全部
right-hidden = 隐藏
right-masked = 脱敏
right-revealable = 脱敏，说明用途后可查看
right-plain = 完整显示
