"""Simulated months of history for the demo, generated through the real services.

`demo_history` plays about three months of Daguan's case work: residents, grid workers,
hotline operators and unit leaders report problems over the real grids; stations accept,
solve or whistle them; departments check in, handle, return or ask for more time; grid
workers verify; residents rate. Every step goes through `case_create`,
`case_transition`, `task_complete` and `station_evaluate` with `now=` set in the past,
so deadlines, events, notifications and points are exactly what the live system would
have recorded. Nothing happens after `now`: cases whose next step would lie in the future
simply stay in the state they reached, which leaves every queue with recent work.

Deterministic for a given seed, `now` and database contents.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.prepared import prep

from shaobao.calendar.service import work_calendar
from shaobao.calendar.workcal import TimeKind, deadline, elapsed
from shaobao.cases.models import Case, Channel, Status, Task, TaskKind, TaskStatus
from shaobao.cases.services.intake import CaseCreateData, case_create
from shaobao.cases.services.tasks import task_complete
from shaobao.cases.services.transition import awaits_rating, case_transition
from shaobao.catalogue.models import Item
from shaobao.core.errors import ShaobaoError
from shaobao.geo.models import Grid
from shaobao.org.models import Department, Role, User
from shaobao.points.services import station_evaluate

DEFAULT_CASES = 2000  # about three months of a district (20+ a day); `shaobao demo` ≈ 2 minutes
DEFAULT_SEED = 340803  # Daguan's district code
DAYS = 90
BATCH = 250

Progress = Callable[[str], None]

# Invented but plausible small places of Daguan, combined with spots into addresses.
PLACES = [
    "工农小区", "石化一村", "石化二村", "玉琳路", "菱湖南路", "德宽路", "集贤北路", "华中路",
    "龙山路", "纺织南路", "振风新村", "海口小区", "铁佛小区", "大观亭街", "十里中心村",
    "花亭路", "山口社区老街", "皖江小区", "石门湖路", "建设新村", "马山菜市场", "东风二村",
]
SPOTS = [
    "3号楼旁", "东门口", "北侧路口", "菜市场旁", "小区广场", "公交站台附近", "12栋楼下",
    "西侧人行道", "幼儿园门口", "沿街商铺前", "2单元门口", "南门停车场", "健身广场边",
    "老年活动室旁", "巷子里",
]
SUFFIXES = ["", "，请尽快处理", "，希望有关部门管一管", "，已经好几天了", "，居民意见很大",
            "，麻烦派人来看看", "，存在安全隐患"]

# Per whistle item: what people write, and what the handler reports back.
TEXTS: dict[str, tuple[tuple[str, ...], str]] = {
    "ZF01": (("{p}有住户在楼顶私自加盖彩钢瓦房", "{p}一楼住户违规扩建院墙占用公共绿地"),
             "已下达限期拆除通知书，违建已拆除"),
    "ZF02": (("{p}有流动摊贩占道经营，行人无法通行", "{p}商户把货物摆到人行道上"),
             "已劝离摊贩，商户物品已清理入店"),
    "ZF03": (("{p}烧烤店油烟直排，楼上住户无法开窗", "{p}饭店油烟很大，没有安装净化设备"),
             "已责令安装油烟净化设施并复查达标"),
    "ZF04": (("{p}广场舞音响声音太大，晚上十点还不停", "{p}楼上住户深夜噪音扰民"),
             "已上门劝导，约定音量和时间"),
    "ZF05": (("{p}工地夜间施工噪音很大，影响休息", "{p}工地周末一早就开始打桩"),
             "已责令工地停止夜间施工并处罚"),
    "ZF06": (("{p}墙上贴满小广告", "{p}电线杆和楼道里到处是办证小广告"),
             "已清理小广告并对号码进行停机处理"),
    "ZF07": (("{p}有人夜里偷倒建筑垃圾", "{p}渣土车撒漏，路面一片泥"),
             "已清运建筑垃圾并对渣土车辆立案查处"),
    "ZF08": (("{p}车辆乱停堵住消防通道和出入口", "{p}机动车长期占用人行道停放"),
             "已张贴违停告知单并拖移车辆"),
    "ZF09": (("{p}有人毁绿种菜", "{p}绿化带被挖开堆放杂物"), "已恢复绿地并教育当事人"),
    "ZF10": (("{p}附近河沟发黑发臭", "{p}有雨污管道往河里排污水"), "已封堵排污口并清淤"),
    "ZF11": (("{p}有无证小作坊生产食品", "{p}早餐店卫生条件很差"), "已查处无证经营并取缔"),
    "ZF12": (("{p}有流浪狗伤人", "{p}养狗不拴绳，小孩害怕"), "已收容流浪犬并对养犬人教育"),
    "ZF13": (("{p}有人焚烧垃圾和树叶，浓烟很大", "{p}空地上焚烧秸秆"), "已扑灭明火并教育当事人"),
    "ZF14": (("{p}消防通道被杂物和车辆堵死", "{p}楼道堆放大量杂物堵塞通道"),
             "已清理通道杂物并设置禁停标识"),
    "GL01": (("{p}路灯不亮，晚上出行很不安全", "{p}一排路灯坏了好几盏"), "已更换灯具，路灯恢复照明"),
    "GL02": (("{p}路面坑洼破损，下雨积水", "{p}人行道砖松动翘起，老人容易摔倒"),
             "已修补路面破损"),
    "GL03": (("{p}窨井盖缺失，很危险", "{p}井盖破损下沉，车辆经过哐哐响"), "已更换井盖并设置警示"),
    "GL04": (("{p}下水道堵塞，污水冒到路面", "{p}化粪池满溢，臭味很大"), "已疏通管道并清理污水"),
    "GL05": (("{p}垃圾桶满了好几天没人清运", "{p}垃圾堆积发臭，蚊蝇很多"), "已清运垃圾并加密清运频次"),
    "GL06": (("{p}树枝伸进住户窗户，需要修剪", "{p}行道树枝叶遮挡路灯和监控"), "已修剪树木"),
    "GL07": (("{p}物业不作为，楼道灯坏了没人修", "{p}物业费纠纷，业主与物业矛盾激化"),
             "已约谈物业企业并督促整改"),
    "GL08": (("{p}电梯经常故障停运，老人上下楼困难", "{p}电梯困人，维保不及时"),
             "已督促维保单位检修，电梯恢复运行"),
    "GL09": (("{p}停水一天了也没有通知", "{p}自来水发黄有异味"), "已抢修管道并恢复正常供水"),
    "GL10": (("{p}整栋楼停电，没有通知", "{p}电压不稳经常跳闸"), "已抢修线路并恢复供电"),
    "GL11": (("{p}老旧小区外墙脱落，希望纳入改造", "{p}小区改造后雨污管道还是不通"),
             "已纳入老旧小区改造计划并实施"),
    "GL12": (("{p}独居老人需要上门助餐服务", "{p}希望社区养老服务站延长开放时间"),
             "已安排助餐服务并登记关爱对象"),
    "GL13": (("{p}困难家庭咨询低保申请", "{p}因病致贫家庭希望得到临时救助"), "已上门指导申请并落实救助"),
    "GL14": (("{p}居民咨询灵活就业参保", "{p}下岗职工希望得到就业帮扶"), "已上门讲解政策并办理"),
    "YJ01": (("{p}闻到很浓的燃气味，怀疑泄漏", "{p}燃气管道破裂漏气"), "已关阀抢修，检测无泄漏"),
    "YJ02": (("{p}老房子墙体开裂，有倒塌危险", "{p}危房屋檐掉落"), "已疏散住户并设置警戒，完成排危"),
    "YJ03": (("{p}暴雨后积水很深，车辆无法通行", "{p}地下车库进水"), "已抽排积水，道路恢复通行"),
    "YJ04": (("{p}大树被风刮倒压住道路", "{p}树木倾斜随时可能倒下"), "已清理倒伏树木"),
    "YJ05": (("{p}电动车在楼道里充电，飞线很多", "{p}电动车推进电梯上楼充电"),
             "已清理楼道电动车并规范集中充电"),
    "YJ06": (("{p}有不明化学品泄漏，气味刺鼻", "{p}化工桶倾倒有液体流出"), "已处置泄漏物并检测达标"),
    "YJ07": (("{p}路面突然塌陷", "{p}水管爆裂，水往外喷"), "已封闭现场并完成抢修"),
    "YJ08": (("{p}山体有滑坡迹象", "{p}河堤出现渗水管涌"), "已转移群众并完成险情处置"),
}
# How often each item is reported (relative); unknown items weigh 1.
ITEM_WEIGHTS = {
    "ZF08": 9, "GL05": 8, "GL01": 7, "ZF02": 7, "GL02": 6, "ZF04": 5, "ZF06": 5, "GL04": 5,
    "GL07": 5, "GL06": 4, "ZF03": 4, "ZF05": 4, "ZF07": 3, "GL03": 3, "GL08": 3, "ZF14": 3,
    "ZF12": 3, "ZF01": 3, "GL09": 2, "GL10": 2, "ZF09": 2, "ZF11": 2, "GL11": 2, "ZF10": 1,
    "ZF13": 1, "GL12": 1.5, "GL13": 1.5, "GL14": 1.5, "YJ01": 0.4, "YJ02": 0.4, "YJ03": 0.8,
    "YJ04": 0.5, "YJ05": 1.0, "YJ06": 0.2, "YJ07": 0.4, "YJ08": 0.3,
}
# Items a red-collar station usually settles itself (the rest rarely).
STATION_FRIENDLY = frozenset({"GL05", "GL06", "GL07", "ZF06", "ZF08", "ZF02", "GL12", "GL13",
                              "GL14", "ZF12", "ZF09"})
CHANNEL_MIX = [(Channel.RESIDENT, 0.45), (Channel.GRID_WORKER, 0.30), (Channel.HOTLINE, 0.15),
               (Channel.UNIT_LEADER, 0.10)]
# Relative report volume by hour of day (Beijing time).
HOURS_PUBLIC = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 3.5, 4.5, 4.5, 3.5, 2.0, 2.0, 3.0,
                4.0, 4.0, 3.5, 3.0, 3.0, 2.5, 2.0, 1.0, 0.5]
HOURS_PATROL = [0, 0, 0, 0, 0, 0, 0, 0.3, 3.0, 5.0, 5.0, 3.0, 0.3, 0.2, 0.5, 4.0, 5.0, 4.0,
                0.5, 0, 0, 0, 0, 0]
REJECT_REASONS = ["不属于本区管辖范围，已告知来电人向相关单位反映", "属于民事纠纷，已引导通过调解或司法途径解决",
                  "反映内容不具体，多次联系无法核实", "重复反映的历史问题，已按原案办理"]
RETURN_REASONS = ["该事项不属于本单位职责范围", "点位属于企业自有产权，非本单位管养",
                  "需先由属地完成前期摸排"]


class _Stop(Exception):
    """The next step of a case would happen after `now`: the case stays where it is."""


@dataclass
class _Grid:
    code: str
    community_id: int
    street_id: int | None
    bounds: tuple[float, float, float, float]
    contains: Callable[[Point], bool]
    fallback: tuple[float, float]  # (lng, lat) surely inside


@dataclass
class _Item:
    code: str
    name: str
    lead: str
    co: list[str]
    urgent: bool


@dataclass
class _World:
    now: datetime
    grids: list[_Grid]
    grid_weights: list[float]
    items: list[_Item]
    item_weights: list[float]
    residents: list[User]
    unit_leaders: list[User]
    command: User
    leader: User | None
    stations: dict[int, User]
    streets: dict[int, User]
    workers: dict[str, User]
    dept_users: dict[str, User | None]
    departments: list[str]
    create_missing: bool
    created_users: int = 0


@dataclass
class _Stats:
    errors: Counter[str] = field(default_factory=Counter)
    steps: int = 0


class _Story:
    """One case being played forward; every step goes through the real services."""

    def __init__(self, sim: _Simulator, case: Case, reporter: User, stall: int | None) -> None:
        self.sim, self.case, self.reporter = sim, case, reporter
        self.t = case.created_at
        self.steps = 0
        self.evaluated = False
        self.stall = stall  # before this step the case sits untouched for days (backlog)

    def at_least(self, when: datetime) -> datetime:
        when = max(when, self.t + timedelta(minutes=1))
        if when > self.sim.world.now:
            raise _Stop
        return when

    def act(self, actor: User, action: str, when: datetime, **payload: Any) -> Case:
        if self.steps == self.stall:
            when = self.sim.work(when, self.sim.rng.uniform(7, 56))
        self.steps += 1
        when = self.at_least(when)
        self.case = case_transition(actor, self.case.number, action,
                                    {"version": self.case.version, **payload}, now=when)
        self.t = when
        self.sim.stats.steps += 1
        return self.case


class _Simulator:
    def __init__(self, world: _World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.cal = work_calendar()
        self.stats = _Stats()
        self.recent: list[tuple[datetime, Case, str]] = []  # for duplicates: (at, case, item)

    # -- time ------------------------------------------------------------------

    def work(self, start: datetime, hours: float) -> datetime:
        """`hours` of working time after `start` (08:30–12:00, 14:30–18:00 on working days)."""
        return deadline(start, max(hours, 0.02), TimeKind.WORK_HOURS, self.cal)

    def within(self, start: datetime, due: datetime, share: float) -> datetime:
        """A moment `share` of the way from `start` to `due`, in working time if there is any."""
        if due <= start:
            return start + timedelta(minutes=1)
        available = elapsed(start, due, TimeKind.WORK_HOURS, self.cal)
        if available >= 0.1:
            return min(deadline(start, available * share, TimeKind.WORK_HOURS, self.cal), due)
        return start + (due - start) * share

    def late(self, due: datetime, urgent: bool) -> datetime:
        if urgent:
            return due + timedelta(minutes=self.rng.uniform(10, 180))
        return self.work(due, self.rng.choice([0.5, 1, 2, 4, 7, 14, 21]) * self.rng.uniform(0.6, 1.2))

    def quick(self, start: datetime, urgent: bool, lo: float, hi: float) -> datetime:
        """A routine step: minutes of real time when urgent, else working hours."""
        if urgent:
            return start + timedelta(minutes=self.rng.uniform(lo * 10, hi * 10))
        return self.work(start, self.rng.uniform(lo, hi))

    def report_time(self, channel: str) -> datetime:
        rng, now = self.rng, self.world.now
        patrol = channel == Channel.GRID_WORKER
        hours = HOURS_PATROL if patrol else HOURS_PUBLIC
        for _ in range(50):
            day = (now - timedelta(days=rng.random() * DAYS)).astimezone(self.cal.tz).date()
            workday = self.cal.is_workday(day)
            if not workday and rng.random() > (0.15 if patrol else 0.6):
                continue
            hour = rng.choices(range(24), hours)[0]
            local = datetime(day.year, day.month, day.day, hour, rng.randrange(60),
                             rng.randrange(60), tzinfo=self.cal.tz)
            if local < now:
                return local
        return now - timedelta(minutes=rng.uniform(5, 600))

    # -- people ----------------------------------------------------------------

    def station(self, case: Case) -> User:
        return (self.world.stations.get(case.community_id) if case.community_id else None) \
            or self.world.command

    def verifier(self, case: Case) -> User:
        worker = self.world.workers.get(case.grid.code) if case.grid else None
        return worker or self.station(case)

    def street(self, case: Case) -> User:
        return (self.world.streets.get(case.street_id) if case.street_id else None) \
            or self.world.command

    def dept_user(self, code: str) -> User | None:
        w = self.world
        if code in w.dept_users:
            return w.dept_users[code]
        user = (User.objects.filter(role=Role.DEPARTMENT, department__code=code, is_active=True)
                .order_by("id").first())
        if user is None and w.create_missing:
            dept = Department.objects.filter(code=code).first()
            if dept is not None:
                from shaobao.core.demo_names import person_name

                user, _ = User.objects.get_or_create(username=f"dept_{code}", defaults={
                    "role": Role.DEPARTMENT, "department": dept, "password": make_password(None),
                    "display_name": person_name(700 + len(w.dept_users))})
                w.created_users += 1
        w.dept_users[code] = user
        return user

    # -- one case --------------------------------------------------------------

    def point_in(self, grid: _Grid) -> tuple[float, float]:
        x0, y0, x1, y1 = grid.bounds
        for _ in range(30):
            lng, lat = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
            if grid.contains(Point(lng, lat)):
                return lat, lng
        return grid.fallback[1], grid.fallback[0]

    def describe(self, item: _Item, place: str) -> str:
        problems = TEXTS.get(item.code, ((f"{{p}}存在{item.name}问题",), ""))[0]
        return self.rng.choice(problems).format(p=place) + self.rng.choice(SUFFIXES)

    def result(self, item: _Item) -> str:
        done = TEXTS.get(item.code, ((), "已到现场处置完毕"))[1] or "已到现场处置完毕"
        return f"{done}，已拍照留档" if self.rng.random() < 0.5 else done

    def play(self, created_at: datetime, channel: str) -> None:
        rng, w = self.rng, self.world
        item = rng.choices(w.items, w.item_weights)[0]
        duplicate_of: Case | None = None
        if rng.random() < 0.03:
            duplicate_of, code = self.duplicate_target(created_at)
            item = next((i for i in w.items if i.code == code), item)
        if duplicate_of is not None and duplicate_of.lat is not None \
                and duplicate_of.lng is not None and duplicate_of.grid is not None:
            lat = duplicate_of.lat + rng.uniform(-0.0002, 0.0002)
            lng = duplicate_of.lng + rng.uniform(-0.0002, 0.0002)
            grid_code = duplicate_of.grid.code
        else:
            grid = rng.choices(w.grids, w.grid_weights)[0]
            lat, lng = self.point_in(grid)
            grid_code = grid.code
        place = rng.choice(PLACES)
        address = place + rng.choice(SPOTS)
        description = self.describe(item, address)
        actor, data = self.reporter(channel, grid_code)
        data.description, data.lat, data.lng, data.address = description, lat, lng, address
        item_at_intake = rng.random() < 0.6 or item.urgent
        data.item = item.code if item_at_intake else None
        try:
            case = case_create(actor, data=data, now=created_at).case
        except ShaobaoError as exc:  # e.g. a point on no grid: report by grid instead
            if getattr(exc, "code", "") != "outside_grids":
                raise
            data.lat = data.lng = None
            data.grid = grid_code
            case = case_create(actor, data=data, now=created_at).case
        recent = (w.now - created_at).days < 10
        stall = rng.randrange(6) if rng.random() < (0.3 if recent else 0.02) else None
        story = _Story(self, case, actor, stall)
        try:
            self.lifecycle(story, item, item_at_intake, duplicate_of)
        except _Stop:
            try:
                self.leave_open(story)
            except ShaobaoError as exc:
                self.stats.errors[f"{type(exc).__name__}: {exc}"] += 1
        except ShaobaoError as exc:
            self.stats.errors[f"{type(exc).__name__}: {exc}"] += 1
        if story.case.status not in (Status.MERGED, Status.REJECTED):
            self.recent.append((created_at, story.case, item.code))

    def duplicate_target(self, at: datetime) -> tuple[Case | None, str]:
        candidates = [(c, code) for when, c, code in self.recent[-200:]
                      if at - timedelta(days=3) <= when < at and c.lat is not None]
        return self.rng.choice(candidates) if candidates else (None, "")

    def reporter(self, channel: str, grid_code: str) -> tuple[User, CaseCreateData]:
        rng, w = self.rng, self.world
        data = CaseCreateData(description="")
        worker = w.workers.get(grid_code)
        if channel == Channel.RESIDENT and w.residents:
            data.anonymous = rng.random() < 0.1
            return rng.choice(w.residents), data
        if channel == Channel.UNIT_LEADER:
            if w.unit_leaders:
                return rng.choice(w.unit_leaders), data
            # No unit-leader accounts: the grid worker records the report on their behalf.
            from shaobao.core.demo_names import person_name

            data.channel = Channel.UNIT_LEADER
            data.reporter_name = f"{person_name(rng.randrange(5000))}（单元长）"
            data.reporter_phone = f"137{rng.randrange(10**8):08d}"
            return worker or w.command, data
        if channel == Channel.GRID_WORKER and worker is not None:
            return worker, data
        from shaobao.core.demo_names import person_name

        data.channel = Channel.HOTLINE
        data.reporter_name = person_name(rng.randrange(5000))
        data.reporter_phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        return w.command, data

    def lifecycle(self, s: _Story, item: _Item, item_known: bool,
                  duplicate_of: Case | None) -> None:
        rng = self.rng
        case, urgent = s.case, item.urgent
        station = self.station(case)
        # 核实: the grid worker checks a public report before the station relies on it.
        found_true = True
        task = Task.objects.filter(case=case, kind=TaskKind.CHECK_TRUTH,
                                   status=TaskStatus.OPEN).first()
        worker = self.world.workers.get(case.grid.code) if case.grid else None
        if task is not None and worker is not None:
            found_true = rng.random() > 0.015
            when = s.at_least(self.quick(s.t, urgent, 0.3, 3.0))
            task_complete(worker, task_id=task.id, found_true=found_true, now=when,
                          note="现场情况属实" if found_true else "现场未发现所述问题")
            s.t = when
        first = self.quick(s.t, urgent, 0.1, 2.5 if rng.random() < 0.9 else 8.0)
        if duplicate_of is not None:
            s.act(station, "merge", first, target=duplicate_of.number,
                  note="与已受理案件反映同一问题")
            return
        if not found_true:
            s.act(station, "reject", first, reason="经网格员现场核实，所反映问题不存在")
            return
        if rng.random() < 0.025:
            s.act(station, "reject", first, reason=rng.choice(REJECT_REASONS))
            return
        s.act(station, "accept", first, **({} if item_known else {"item": item.code}))
        if rng.random() < 0.01 and station.role == Role.STATION:
            s.act(station, "escalate", self.work(s.t, rng.uniform(0.5, 4)),
                  reason="涉及多个部门职责交叉，提请街道会商")
            self.whistled(s, item, self.street(case), self.work(s.t, rng.uniform(4, 21)))
            return
        share = 0.55 if item.code in STATION_FRIENDLY else 0.2
        if not urgent and station.role == Role.STATION and rng.random() < share:
            self.in_station(s, item, station)
        else:
            self.whistled(s, item, station, self.quick(s.t, urgent, 0.1, 1.5))

    def in_station(self, s: _Story, item: _Item, station: User) -> None:
        rng = self.rng
        s.act(station, "take_in_station", self.work(s.t, rng.uniform(0.1, 2)))
        for attempt in range(3):
            self.handle(s, item, station, rng.random() < 0.8)
            if self.verify(s, attempt):
                break
        self.after_close(s, item, whistled=False)

    def whistled(self, s: _Story, item: _Item, by: User, when: datetime,
                 lead: str | None = None, **extra: Any) -> None:
        rng, urgent = self.rng, item.urgent
        lead = lead or item.lead
        s.act(by, "whistle", when, lead_department=lead,
              co_departments=[c for c in item.co if c != lead], **extra)
        dept = self.dept_user(lead)
        if dept is None:
            raise _Stop  # nobody can check in for this department: it waits
        due = s.case.check_in_due or self.work(s.t, 2)
        if rng.random() < 0.03:  # returned: not ours, says the department
            s.act(dept, "return", self.within(s.t, due, rng.uniform(0.2, 0.9)),
                  reason=rng.choice(RETURN_REASONS))
            station = self.station(s.case)
            if rng.random() < 0.5:
                self.whistled(s, item, station, self.work(s.t, rng.uniform(0.3, 3)), lead=lead,
                              return_justified=False, note="经研判，该事项属于原部门职责，退回理由不成立")
            else:
                others = [c for c in item.co if c != lead] or [
                    d for d in self.world.departments if d != lead]
                self.whistled(s, item, station, self.work(s.t, rng.uniform(0.3, 3)),
                              lead=rng.choice(others), return_justified=True)
            return
        if rng.random() < 0.85:
            when = self.within(s.t, due, rng.uniform(0.05, 0.95))
        else:
            when = self.late(due, urgent)
            if rng.random() < 0.3:
                self.supervise(s, self.within(due, when, rng.uniform(0.1, 0.6)), "超期未报到")
        s.act(dept, "check_in", when)
        if rng.random() < 0.01:  # seasonal or engineering work: parked with approval
            s.act(dept, "suspend", self.work(s.t, rng.uniform(2, 14)),
                  reason="需纳入年度工程计划统一实施")
            s.act(self.world.command, "suspend", self.work(s.t, rng.uniform(1, 7)),
                  reason="同意挂账，纳入工程计划")
            s.act(self.world.command, "resume", self.work(s.t, rng.uniform(35, 105)))
        if rng.random() < 0.05:
            self.extension(s, dept)
        if rng.random() < 0.01 and self.world.leader is not None:
            s.act(self.world.leader, "supervise", self.work(s.t, rng.uniform(1, 10)),
                  reason="领导督办：群众反映强烈")
        for attempt in range(3):
            self.handle(s, item, dept, rng.random() < 0.8)
            if self.verify(s, attempt):
                break
        self.after_close(s, item, whistled=True)

    def extension(self, s: _Story, dept: User) -> None:
        rng = self.rng
        due = s.case.handle_due or s.t
        until = deadline(max(due, s.t), rng.choice([2, 3, 5, 10]), TimeKind.WORK_DAYS, self.cal)
        s.act(dept, "request_extension", self.within(s.t, due, rng.uniform(0.2, 0.7)),
              until=until.isoformat(), reason="需协调产权单位和施工队伍，申请延期")
        station = self.station(s.case)
        s.act(station, "decide_extension", self.work(s.t, rng.uniform(0.3, 5)),
              approved=rng.random() < 0.85)

    def supervise(self, s: _Story, when: datetime, reason: str) -> None:
        s.act(self.world.command, "supervise", when, reason=f"督办：{reason}")

    def handle(self, s: _Story, item: _Item, by: User, on_time: bool) -> None:
        rng, urgent = self.rng, item.urgent
        due = s.case.handle_due
        if s.case.rework_count:  # rework: another go within a couple of days
            when = self.quick(s.t, urgent, 2, 14)
        elif due is None or due <= s.t:
            when = self.quick(s.t, urgent, 2, 21)
        elif on_time:
            when = self.within(s.t, due, rng.triangular(0.1, 0.98, 0.6))
        else:
            when = self.late(due, urgent)
            if rng.random() < 0.5:
                self.supervise(s, self.within(due, when, rng.uniform(0.1, 0.5)), "超期未办结")
        s.act(by, "handle", when, result=self.result(item))

    def verify(self, s: _Story, attempt: int) -> bool:
        rng = self.rng
        passed = attempt > 0 or rng.random() >= 0.06
        note = "现场核查问题已解决" if passed else "现场核查问题未彻底解决，退回返工"
        s.act(self.verifier(s.case), "verify", self.work(s.t, rng.uniform(0.3, 7)),
              passed=passed, note=note)
        return passed

    def after_close(self, s: _Story, item: _Item, *, whistled: bool) -> None:
        rng, case = self.rng, s.case
        closed_at = s.t
        if whistled and not s.evaluated and rng.random() < 0.5:
            s.evaluated = True
            station = self.station(case)
            if station.role == Role.STATION:
                when = s.at_least(self.work(closed_at, rng.uniform(0.5, 14)))
                score = rng.choices([5, 4, 3, 2, 1], [45, 35, 12, 5, 3])[0]
                station_evaluate(station, case=case, score=score, now=when,
                                 comment="响应及时，处置到位" if score >= 4 else "处置效果一般")
        if awaits_rating(s.case) and rng.random() < 0.85:  # also after a rework
            rating = rng.choices(["satisfied", "basically_satisfied", "unsatisfied"],
                                 [75, 18, 7])[0]
            by = s.reporter if s.reporter.role in (Role.RESIDENT, Role.UNIT_LEADER) \
                else self.world.command
            comment = {"satisfied": "处理很及时，谢谢", "basically_satisfied": "基本解决了",
                       "unsatisfied": "问题没有根本解决"}[rating]
            s.act(by, "rate", self.work(closed_at, rng.uniform(0.2, 20)), rating=rating,
                  comment=comment if rng.random() < 0.6 else "")
            if s.case.status == Status.ACCEPTED:  # reopened by rule (不满意): whistled again
                self.whistled(s, item, self.station(case), self.work(s.t, rng.uniform(0.3, 4)))
            elif rating == "unsatisfied" and rng.random() < 0.3:
                s.act(self.world.command, "reopen", self.work(s.t, rng.uniform(1, 8)),
                      reason="回访群众不满意，重新交办")
                self.whistled(s, item, self.station(case), self.work(s.t, rng.uniform(0.3, 4)))

    def leave_open(self, s: _Story) -> None:
        """A case that stopped short of now: if a clock already ran out, it gets supervised."""
        case, now = s.case, self.world.now
        if case.status not in (Status.WHISTLED, Status.IN_PROGRESS, Status.STATION):
            return
        due = case.check_in_due if case.status == Status.WHISTLED else case.handle_due
        if due is None or due >= now or case.supervision_level:
            return
        when = min(self.work(due, self.rng.uniform(0.2, 3)), now)
        with contextlib.suppress(_Stop):
            self.supervise(s, when, "超期未报到" if case.status == Status.WHISTLED else "超期未办结")


def _world(now: datetime, rng: random.Random, create_missing: bool) -> _World | None:
    grids, weights = [], []
    for g in Grid.objects.filter(valid_to__isnull=True).select_related("community").order_by(
            "code"):
        geom = shape(g.geometry)
        if geom.is_empty:
            continue
        inside = geom.representative_point()
        grids.append(_Grid(g.code, g.community_id, g.community.parent_id, geom.bounds,
                           prep(geom).contains, (inside.x, inside.y)))
        weights.append(rng.uniform(0.3, 2.0))
    items = []
    for it in (Item.objects.filter(version__is_current=True).select_related("lead_department")
               .prefetch_related("co_departments").order_by("code")):
        items.append(_Item(it.code, it.name, it.lead_department.code,
                           sorted(d.code for d in it.co_departments.all()),
                           it.check_in_kind == TimeKind.EMERGENCY_HOURS))
    command = User.objects.filter(role=Role.COMMAND, is_active=True).order_by("id").first()
    if not grids or not items or command is None:
        return None

    def by_role(role: str) -> list[User]:
        return list(User.objects.filter(role=role, is_active=True).order_by("username"))

    stations: dict[int, User] = {}
    streets: dict[int, User] = {}
    for u in by_role(Role.STATION):
        if u.division_id is not None:
            stations.setdefault(u.division_id, u)
    for u in by_role(Role.STREET):
        if u.division_id is not None:
            streets.setdefault(u.division_id, u)
    workers: dict[str, User] = {}
    for u in User.objects.filter(role=Role.GRID_WORKER, is_active=True).order_by("id"):
        workers.setdefault(u.grid_code, u)
    return _World(
        now=now, grids=grids, grid_weights=weights, items=items,
        item_weights=[ITEM_WEIGHTS.get(i.code, 1.0) for i in items],
        residents=by_role(Role.RESIDENT), unit_leaders=by_role(Role.UNIT_LEADER),
        command=command, leader=User.objects.filter(role=Role.LEADER, is_active=True)
        .order_by("id").first(), stations=stations, streets=streets, workers=workers,
        dept_users={}, departments=list(Department.objects.filter(active=True)
                                        .order_by("code").values_list("code", flat=True)),
        create_missing=create_missing)


def demo_history(progress: Progress, *, cases: int = DEFAULT_CASES, seed: int = DEFAULT_SEED,
                 now: datetime | None = None,
                 create_missing_users: bool = False) -> dict[str, int] | None:
    """Simulate `cases` cases over the last 90 days; skipped when any case exists.

    Returns the number of cases per status, or None when nothing was done.
    """
    if Case.objects.exists():
        progress("历史案件：已存在，跳过")
        return None
    started = time.monotonic()
    now = now or timezone.now()
    rng = random.Random(seed)
    world = _world(now, rng, create_missing_users)
    if world is None:
        progress("历史案件：缺少网格、清单或指挥中心账号，跳过")
        return None
    sim = _Simulator(world, rng)
    # Channel first, then a time in that channel's rhythm; played in time order so that
    # case numbers run with the calendar and duplicates can point at earlier cases.
    channels = rng.choices([c for c, _ in CHANNEL_MIX], [p for _, p in CHANNEL_MIX], k=cases)
    plans = sorted((sim.report_time(c), str(c)) for c in channels)
    for start in range(0, len(plans), BATCH):
        with transaction.atomic():
            for created_at, channel in plans[start:start + BATCH]:
                sim.play(created_at, channel)
        done = min(start + BATCH, len(plans))
        progress(f"历史案件：{done}/{len(plans)}（{time.monotonic() - started:.0f} 秒）")
    counts = dict(Counter(Case.objects.values_list("status", flat=True)))
    order = {s.value: n for n, s in enumerate(Status)}
    summary = "，".join(f"{Status(s).label} {n}" for s, n in
                       sorted(counts.items(), key=lambda kv: order[kv[0]]))
    extra = f"；新建部门账号 {world.created_users} 个" if world.created_users else ""
    errors = sum(sim.stats.errors.values())
    if errors:
        extra += f"；{errors} 步未能执行（{sim.stats.errors.most_common(1)[0][0]}）"
    progress(f"历史案件：{len(plans)} 件，{sim.stats.steps} 步，用时 "
             f"{time.monotonic() - started:.1f} 秒；{summary}{extra}")
    return counts


__all__ = ["DEFAULT_CASES", "demo_history"]
