"""Texts of the command line and the batch summary."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "cli.description": (("Telecom customer bills: load users and call records, rate the calls, "
                         "write the bill detail and set anomalous records aside. "
                         "Without a command, opens the numbered main menu."),
                        ("电信计费系统客户帐单管理：载入用户资料和话单，计费，输出费用详单并另存异常话单。"
                         "不带命令时打开主菜单。")),
    "cli.help.version": ("show the version and exit", "显示版本并退出"),
    "cli.help.lang": ("interface language (default: from LC_ALL, LC_MESSAGES, LANG)",
                      "界面语言（默认依据 LC_ALL、LC_MESSAGES、LANG）"),
    "cli.help.users": ("users file (default: data/users.txt)", "用户资料文件（默认 data/users.txt）"),
    "cli.help.calls": ("call records file (default: data/calls.txt)", "话单文件（默认 data/calls.txt）"),
    "cli.help.tariff": ("tariff file (default: data/tariff.toml if present)",
                        "资费文件（默认 data/tariff.toml，若存在）"),
    "cli.help.bill": ("write the bill-detail file with no questions asked", "直接生成费用详单文件"),
    "cli.help.month": ("bill only this month", "只计该月的帐单"),
    "cli.help.out": ("bill-detail file (default: output/bills.txt)", "费用详单文件（默认 output/bills.txt）"),
    "cli.help.anomalies": ("anomalies file (default: output/anomalies.txt)",
                           "异常话单文件（默认 output/anomalies.txt）"),
    "cli.help.force": ("replace existing output files that telbill did not write (never an input)",
                       "覆盖并非 telbill 写出的已有输出文件（输入文件始终不覆盖）"),
    "cli.help.csv": ("also write the bills as CSV here", "同时以 CSV 格式写出帐单"),
    "cli.help.memory": (("the most memory the run may use, e.g. 2G or 512M (default: half the memory available); "
                         "call records beyond it are billed in partitions on disk"),
                        "本次运行最多可用的内存，如 2G 或 512M（默认为可用内存的一半）；超出部分的话单分区写入磁盘计费"),
    "cli.help.cluster": (("bill on the Dask scheduler at ADDRESS (tcp://host:8786), or on worker processes "
                          "started on this machine: local:N for N of them, local for one per core; the files must "
                          "be on a filesystem every worker shares; not with --memory (the workers' own memory "
                          "limits size the partitions)"),
                         ("在地址为 ADDRESS（tcp://host:8786）的 Dask 调度器上计费，或在本机启动工作进程计费："
                          "local:N 启动 N 个，local 每个 CPU 核心一个；文件须位于每个工作进程都能访问的共享文件系统上；"
                          "不能与 --memory 同用（分区大小由工作进程自身的内存上限决定）")),
    "cli.epilog": (("Exit codes: 0 done (bills written, or the menu left); 1 a menu script's item ended with an "
                    "error (the menu stopped there); 2 an error, said in one line, nothing written; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP (telbill bill leaves no partial file). "
                    "The tariff file (--tariff) is TOML: docs/files-and-rules.md. The documentation is README.md "
                    "and the docs/ folder of telbill's source (docs/index.md lists it)."),
                   ("退出码：0 完成（帐单已写出，或已退出菜单）；1 菜单脚本所选的一项出错（菜单就此停止）；2 出错，以一行说明，未写出任何文件；"
                    "130 Ctrl-C，143 SIGTERM，129 SIGHUP（telbill bill 不会留下不完整的文件）。"
                    "资费文件（--tariff）为 TOML 格式：见 docs/files-and-rules.md。文档为 telbill 源代码中的 "
                    "README.md 和 docs/ 目录（docs/index.md 列出全部文档）。")),
    "cli.epilog.bill": (("Exit codes: 0 bills written (set-aside records are normal); 2 an error, said in one "
                         "line, nothing written; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, with no partial file left. "
                         "A run in partitions puts its spill files (about the size of the calls file) in $TMPDIR "
                         "when it is set, else beside the bill file. The tariff file (--tariff) is TOML: "
                         "docs/files-and-rules.md. More: docs/batch.md, docs/cluster.md in telbill's source."),
                        ("退出码：0 帐单已写出（有异常话单属正常）；2 出错，以一行说明，未写出任何文件；"
                         "130 Ctrl-C，143 SIGTERM，129 SIGHUP，均不留下不完整的文件。分区计费的临时文件"
                         "（约与话单文件一样大）放在 $TMPDIR（若已设置），否则放在帐单文件旁。资费文件（--tariff）为 "
                         "TOML 格式：见 docs/files-and-rules.md。详见 telbill 源代码中的 docs/batch.md、docs/cluster.md。")),
    "cli.memory_with_cluster": (("--memory does not apply to --cluster: the workers' own memory limits size "
                                 "the partitions (docs/cluster.md)"),
                                "--memory 不能与 --cluster 同用：分区大小由工作进程自身的内存上限决定（见 docs/cluster.md）"),
    "cli.plain_with_bill": ("--plain is the menu's option; telbill bill asks no questions",
                            "--plain 是菜单的选项；telbill bill 不提问"),
    "cli.help.quiet": (("print nothing on stdout when all is well (for cron); warnings and errors still go to "
                        "stderr, with the same exit codes"),
                       "一切正常时标准输出不打印任何内容（供 cron 使用）；警告和错误仍写到标准错误，退出码不变"),
    "cli.help.menu": ("open the numbered main menu (the default)", "打开主菜单（默认）"),
    "cli.help.plain": ("plain numbered prompts even on a terminal", "即使在终端中也使用纯文本编号输入"),
    "cli.usage_error": ("{prog}: error: {message}", "{prog}：错误：{message}"),
    "cli.error": ("error: {message}", "错误：{message}"),
    "cli.not_replaced": ("{reason}; refusing to replace it (--force replaces it anyway)",
                         "{reason}，拒绝覆盖（加 --force 可强制覆盖）"),
    "cli.interrupted": ("{interrupted}; no partial file was left behind", "{interrupted}；未留下不完整的文件"),
    "cli.by_ctrl_c": ("interrupted", "已中断"),
    "cli.by_signal": ("interrupted by {signal}", "已被 {signal} 中断"),
    "cli.menu_interrupted": ("interrupted while the data files were being opened; the menu was not shown",
                             "打开数据文件时被中断；菜单未显示"),
    "cli.cluster_cancelled": (("{interrupted}; the run's tasks on the cluster were cancelled and no partial file "
                               "was left behind"),
                              "{interrupted}；本次运行在集群上的任务已取消，未留下不完整的文件"),
    "cli.cluster_dashboard": ("The Dask dashboard of this run: {link}", "本次运行的 Dask 仪表板：{link}"),
    "cli.summary_lost": ("{error}, so the summary was not printed; the files were written: {files}",
                         "{error}，因此未输出摘要；文件已写好：{files}"),
    "cli.interrupted_after_write": ("{interrupted} just after the output files were written; they are complete",
                                    "{interrupted}：输出文件刚刚写完，这些文件是完整的"),
    "cli.internal": ("internal error, please report it (set TELBILL_DEBUG=1 for details): {error}",
                     "内部错误，请报告（设置 TELBILL_DEBUG=1 可查看详情）：{error}"),
    "cli.progress.reading": ("reading call records", "读取话单"),
    "cli.progress.cluster_local": ("starting the cluster …", "正在启动集群……"),
    "cli.progress.cluster": ("reaching the cluster …", "正在连接集群……"),
    "cli.progress.lines": ("{done}/{total} lines", "{done}/{total} 行"),
    "cli.progress.screen": ("checking for anomalies", "检查异常话单"),
    "cli.progress.rate": ("rating calls", "计算话费"),
    "cli.progress.write": ("writing the files", "写出文件"),
    "cli.progress.split": ("splitting call records into partitions", "将话单按主叫分区"),
    "cli.progress.bill": ("billing the partitions", "逐个分区计费"),
    "summary.read": ("Call records read from {source}: {records}, in {seconds} s ({rate} records/s).",
                     "从 {source} 读取话单 {records} 条，用时 {seconds} 秒（每秒 {rate} 条）。"),
    "summary.month_calls": ("Calls starting in {month} and billed: {count}.", "{month} 开始并计费的通话：{count} 条。"),
    "summary.month_empty": ("{month} has no billed call: its bills hold only the monthly rent and feature fees",
                            "{month} 没有计费的通话：该月帐单只有月租费和功能费"),
    "summary.no_caller_known": (("No call was billed: the callers of {count} records are not in {users}; "
                                 "is it the users file that goes with these calls?"),
                                "没有计费的通话：{count} 条话单的主叫号码不在 {users} 中；这是与这些话单对应的用户文件吗？"),
    "summary.billed": ("Billed {billed}; set aside {set_aside} ({parts}).",
                       "计费 {billed} 条；异常 {set_aside} 条（{parts}）。"),
    "summary.months": ("Months billed: {count} ({span}); grand total {total} yuan.",
                       "计费月份：{count} 个（{span}）；总计 {total} 元。"),
    "summary.code.malformed": ("malformed {count}", "格式错误 {count}"),
    "summary.code.end-before-start": ("end-before-start {count}", "结束早于开始 {count}"),
    "summary.code.unknown-caller": ("unknown-caller {count}", "未知主叫 {count}"),
    "summary.code.too-long": ("too-long {count}", "时长超过 {limit} {count}"),
    "summary.code.overlap": ("overlap {count}", "时间重叠 {count}"),
    "list.sep": (", ", "，"),
    "summary.wrote": ("Wrote {files}.", "已写出 {files}。"),
    "summary.cluster": (("Billed in {count} partitions on the Dask cluster at {address} (workers: {workers}, "
                         "threads: {threads}); {start}."),
                        "在 {address} 的 Dask 集群上分 {count} 个分区计费（{workers} 个工作进程，{threads} 个线程）；{start}。"),
    "summary.cluster_started": ("it took {seconds} s to start, not counted in the time above",
                                "启动集群用时 {seconds} 秒，未计入上面的用时"),
    "summary.cluster_reached": ("it took {seconds} s to reach, not counted in the time above",
                                "连接集群用时 {seconds} 秒，未计入上面的用时"),
    "summary.partitions": ("Billed in {count} partitions on disk, within the memory budget of {budget}.",
                           "为不超出 {budget} 的内存预算，分 {count} 个分区在磁盘上计费。"),
}

# argparse's own phrases, replaced in its output when the interface is Chinese.
ARGPARSE_ZH: dict[str, str] = {
    "usage: ": "用法：",
    "options:": "选项：",
    "positional arguments:": "位置参数：",
    "show this help message and exit": "显示帮助并退出",
    "invalid choice: ": "无效的选项：",
    "expected one argument": "需要一个参数",
    "unrecognized arguments: ": "无法识别的参数：",
    "argument ": "参数 ",
    "choose from ": "可选 ",
}
