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
login-needs-mfa = 此账号需要第二因素认证，当前登录页面尚不支持。请使用 API 登录，或联系管理员。

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
